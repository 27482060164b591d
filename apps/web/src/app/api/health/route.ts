/**
 * Liveness: returns 200 while the process serves HTTP. It touches no database and no session,
 * so a database outage never makes an orchestrator restart the app, and the benchmark can use it
 * as the framework's cost of one request.
 */
export const dynamic = "force-dynamic";

export function GET(): Response {
  return Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } });
}
