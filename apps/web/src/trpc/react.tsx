"use client";

import type { AppRouter } from "@onboarding/api";
import { MAX_BATCH_SIZE } from "@onboarding/api/batch";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { type ReactNode, useState } from "react";
import superjson from "superjson";

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

// Browsers allow keepalive only for bodies up to 64 KiB in total, so larger ones go without it.
const KEEPALIVE_MAX_BODY = 60_000;

/**
 * Sends requests with `keepalive` when the body is small enough, so an autosave started as the
 * user reloads or leaves the page still reaches the server.
 */
function fetchSurvivingUnload(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const body = init?.body;
  const keepalive =
    typeof body !== "string" || new TextEncoder().encode(body).length <= KEEPALIVE_MAX_BODY;
  return fetch(input, { ...init, keepalive });
}

/** Provides TanStack Query and the typed tRPC client to the client components below it. */
export function TRPCReactProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: { staleTime: 10_000, refetchOnWindowFocus: false, retry: 1 },
          // Send mutations even when the browser reports no network: the request then fails at
          // once, and the caller shows an error or retries (autosave) instead of waiting silently.
          mutations: { networkMode: "always" },
        },
      }),
  );
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: "/api/trpc",
          transformer: superjson,
          maxItems: MAX_BATCH_SIZE,
          fetch: fetchSurvivingUnload,
        }),
      ],
    }),
  );

  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
