/**
 * Opens and migrates the database when the server starts, so a bad setup fails at once, and
 * hands the tRPC handler to the production server (see server/api-bridge.ts).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { getServices } = await import("./server/services");
  const { serveApiRequest } = await import("./server/direct-api");
  const { serverBridge } = await import("./server/api-bridge");
  await getServices();
  const bridge = serverBridge();
  if (bridge) bridge.serveApiRequest = serveApiRequest;
}
