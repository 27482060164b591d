import "server-only";

/** Largest tRPC request body accepted: four 64 KiB drafts in one batch plus envelope. */
export const MAX_REQUEST_BYTES = 256 * 1024;

/**
 * Reads a request body up to `limit` bytes. A declared Content-Length over the limit is rejected
 * without reading anything; an undeclared body is read until it passes the limit, then cancelled.
 */
export async function readBodyWithin(
  request: Request,
  limit: number,
): Promise<{ ok: true; body: Uint8Array<ArrayBuffer> } | { ok: false; bytesSeen: number }> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > limit) return { ok: false, bytesSeen: 0 };
  if (!request.body) return { ok: true, body: new Uint8Array() };

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      return { ok: false, bytesSeen: total };
    }
    chunks.push(value);
  }

  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, body };
}
