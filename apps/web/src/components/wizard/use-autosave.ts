"use client";

import { TRPCClientError } from "@trpc/client";
import { useCallback, useEffect, useRef, useState } from "react";
import superjson from "superjson";

/**
 * State of the autosave indicator. It is `idle` before the first change and `saving` while a
 * change waits for the debounce or its request. It is `saved` once the server has the latest
 * value, `retrying` after a network or server failure, and `failed` after any other error.
 */
export type AutosaveStatus = "idle" | "saving" | "saved" | "retrying" | "failed";

export const AUTOSAVE_DELAY_MS = 800;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

/**
 * Sends a draft with a plain keepalive request, outside tRPC's batching, so it survives the page
 * being unloaded. Its result is not awaited: the page that would show it is gone.
 */
export function sendDraftOnUnload(input: {
  stepNumber: number;
  draft: unknown;
  expectedVersion: number;
}): void {
  const body = JSON.stringify(superjson.serialize(input));
  void fetch("/api/trpc/onboarding.saveStep", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    keepalive: new TextEncoder().encode(body).length <= 60_000,
  }).catch(() => undefined);
}

/** Checks whether a failed save may succeed when sent again: no response, or a 5xx response. */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return true;
  const data = error.data as { httpStatus?: number } | undefined;
  if (!data?.httpStatus) return true;
  return data.httpStatus >= 500;
}

/** Doubles from 1 s per failed attempt, up to 30 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempt - 1), MAX_RETRY_MS);
}

interface AutosaveOptions<Value> {
  /** The value to keep saved, compared by its JSON text. */
  value: Value;
  /** Stores the value. A raised error marks the save failed. */
  save: (value: Value) => Promise<void>;
  /** Receives an error that retrying cannot fix, such as a conflict or invalid input. */
  onFatalError: (error: unknown) => void;
  enabled: boolean;
  delayMs?: number;
  /**
   * Sends the value while the page unloads. It must start its request synchronously, because a
   * page that is being left runs no further tasks.
   */
  saveOnUnload?: (value: Value) => void;
}

export interface Autosave {
  status: AutosaveStatus;
  /** Saves a pending change now and resolves true once the server has the latest value. */
  flush: () => Promise<boolean>;
  /**
   * Holds further saves and resolves once the request in flight, if any, has settled, so another
   * mutation can use the version that request returned.
   */
  pause: () => Promise<void>;
  /** Lets saves run again after `pause`, and saves any change made meanwhile. */
  resume: () => void;
}

/**
 * Saves `value` after it stops changing for `delayMs`, one request at a time, and retries network
 * and server failures with exponential backoff until one succeeds or the caller pauses. Any
 * other failure stops autosaving and goes to `onFatalError`.
 */
export function useAutosave<Value>({
  value,
  save,
  onFatalError,
  enabled,
  delayMs = AUTOSAVE_DELAY_MS,
  saveOnUnload,
}: AutosaveOptions<Value>): Autosave {
  const [status, setStatus] = useState<AutosaveStatus>("idle");
  const json = JSON.stringify(value);

  const latest = useRef({ json, value, save, onFatalError, enabled, saveOnUnload });
  latest.current = { json, value, save, onFatalError, enabled, saveOnUnload };
  const savedJson = useRef(json);
  const inFlight = useRef<Promise<void> | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const attempts = useRef(0);
  const mounted = useRef(false);
  const stoppedForGood = useRef(false);
  const paused = useRef(false);
  const isStopped = useCallback(
    () => stoppedForGood.current || paused.current || !mounted.current || !latest.current.enabled,
    [],
  );

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      if (timer.current !== undefined) clearTimeout(timer.current);

      // Leaving the step inside the debounce delay (a stepper link, another page) must not drop
      // the last change, so it is sent once more. Nothing is left on screen to show the result.
      const { json: pending, value: pendingValue, enabled: isEnabled } = latest.current;
      if (
        isEnabled &&
        !stoppedForGood.current &&
        !paused.current &&
        pending !== savedJson.current
      ) {
        void latest.current.save(pendingValue).catch(() => undefined);
      }
    };
  }, []);

  const clearTimer = useCallback(() => {
    if (timer.current !== undefined) clearTimeout(timer.current);
    timer.current = undefined;
  }, []);

  const run = useCallback(async (): Promise<void> => {
    clearTimer();
    if (isStopped()) return;
    if (inFlight.current) {
      await inFlight.current;
      return run();
    }
    const { json: sending, value: sendingValue } = latest.current;
    if (sending === savedJson.current) {
      setStatus((current) => (current === "idle" ? "idle" : "saved"));
      return;
    }

    setStatus((current) => (current === "retrying" ? "retrying" : "saving"));
    const request = (async () => {
      try {
        await latest.current.save(sendingValue);
        savedJson.current = sending;
        attempts.current = 0;
      } catch (error) {
        if (isStopped()) return;
        if (!isRetryable(error)) {
          stoppedForGood.current = true;
          setStatus("failed");
          latest.current.onFatalError(error);
          return;
        }
        attempts.current += 1;
        setStatus("retrying");
        timer.current = setTimeout(() => void run(), retryDelayMs(attempts.current));
      }
    })();
    inFlight.current = request;
    await request;
    inFlight.current = null;

    if (isStopped() || attempts.current > 0) return;
    if (latest.current.json === savedJson.current) setStatus("saved");
    else if (timer.current === undefined) await run();
  }, [clearTimer, isStopped]);

  // Debounce: every change restarts the delay, unless a retry is already waiting.
  useEffect(() => {
    if (isStopped() || json === savedJson.current) return;
    setStatus((current) => (current === "retrying" ? "retrying" : "saving"));
    if (attempts.current > 0) return;
    clearTimer();
    timer.current = setTimeout(() => void run(), delayMs);
  }, [json, delayMs, run, clearTimer, isStopped]);

  // Retry at once when the browser reports the network is back, and save before the tab hides.
  useEffect(() => {
    const saveNow = () => {
      if (!isStopped() && latest.current.json !== savedJson.current) void run();
    };
    const onVisibilityChange = () => {
      if (document.visibilityState === "hidden") saveNow();
    };
    // A reload or a link to another page ends the page before a batched request would start.
    const onPageHide = () => {
      const { json: pending, value: pendingValue, saveOnUnload: send } = latest.current;
      if (send && !isStopped() && !inFlight.current && pending !== savedJson.current) {
        send(pendingValue);
        savedJson.current = pending;
      }
    };
    window.addEventListener("online", saveNow);
    window.addEventListener("pagehide", onPageHide);
    document.addEventListener("visibilitychange", onVisibilityChange);
    return () => {
      window.removeEventListener("online", saveNow);
      window.removeEventListener("pagehide", onPageHide);
      document.removeEventListener("visibilitychange", onVisibilityChange);
    };
  }, [run, isStopped]);

  const flush = useCallback(async () => {
    attempts.current = 0;
    await run();
    return latest.current.json === savedJson.current;
  }, [run]);

  const pause = useCallback(async () => {
    paused.current = true;
    clearTimer();
    await inFlight.current;
  }, [clearTimer]);

  const resume = useCallback(() => {
    paused.current = false;
    attempts.current = 0;
    if (latest.current.json !== savedJson.current) void run();
  }, [run]);

  return { status, flush, pause, resume };
}
