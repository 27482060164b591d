/**
 * Opens and migrates the database when the server starts, and hands the tRPC handler to the
 * production server (see server/api-bridge.ts).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { getServices } = await import("./server/services");
  const { serveApiRequest } = await import("./server/direct-api");
  const { serverBridge } = await import("./server/api-bridge");

  const bridge = serverBridge();
  if (bridge) bridge.serveApiRequest = serveApiRequest;
  // A failure must not stop Next from serving: /api/health stays up, /api/ready logs the error
  // and returns 503, and getServices tries again on each request.
  await getServices().catch(() => undefined);
}
