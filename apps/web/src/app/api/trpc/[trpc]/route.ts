import { handleApiRequest } from "~/server/api-handler";

export const dynamic = "force-dynamic";

// The production server handles these paths itself and never reaches this route. `next dev`
// and any other way of serving the build use it.
export { handleApiRequest as GET, handleApiRequest as POST };
