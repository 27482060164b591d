import { handleApiRequest } from "~/server/api-handler";

export const dynamic = "force-dynamic";

// The production server answers these paths itself and does not reach this route; `next dev`
// and any other way of serving the build do.
export { handleApiRequest as GET, handleApiRequest as POST };
