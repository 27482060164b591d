/** Opens and migrates the database when the server starts, so a bad setup fails at once. */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { getServices } = await import("./server/services");
  await getServices();
}
