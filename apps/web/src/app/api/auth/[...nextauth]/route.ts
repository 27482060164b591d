import { NextRequest } from "next/server";
import { handlers } from "~/auth";
import { readBodyWithin } from "~/server/limited-body";

/** Sign-in and sign-out forms are tiny; anything larger is rejected before next-auth reads it. */
const MAX_AUTH_BODY_BYTES = 16 * 1024;

export const GET = handlers.GET;

export async function POST(request: NextRequest): Promise<Response> {
  const read = await readBodyWithin(request, MAX_AUTH_BODY_BYTES);
  if (!read.ok) {
    return Response.json(
      { error: `Request body is larger than ${MAX_AUTH_BODY_BYTES / 1024} KiB.` },
      { status: 413 },
    );
  }

  const headers = new Headers(request.headers);
  headers.delete("content-length");
  return handlers.POST(new NextRequest(request.url, { method: "POST", headers, body: read.body }));
}
