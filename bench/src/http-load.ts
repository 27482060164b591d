import autocannon from "autocannon";
import { LatencyRecorder, type LatencySummary } from "./latency";
import { type ResourceSample, ResourceSampler } from "./procfs";
import type { Endpoint, EndpointName } from "./workload";

export interface LoadRun {
  endpoint: EndpointName;
  connections: number;
  /** Users stored in the database during the run. */
  storedUsers: number;
  /** Measured seconds, as autocannon reports them. */
  seconds: number;
  /** Responses with a 2xx status. */
  ok: number;
  /** 2xx responses per second. */
  rps: number;
  latency: LatencySummary;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** Server CPU milliseconds (all threads) per response, over the measured window. */
  serverCpuMsPerRequest: number;
  resources: ResourceSample;
}

export interface LoadOptions {
  baseUrl: string;
  endpoint: Endpoint;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Session cookies, one per request in turn, so the requests spread over every user. */
  cookies: readonly string[];
  serverPid: number;
  storedUsers: number;
  /** Lists the PostgreSQL backends serving the server, asked after the warm-up opened them. */
  postgresPids: () => Promise<number[]>;
}

type Result = autocannon.Result;

function fire(
  options: LoadOptions,
  seconds: number,
  onResponse?: (status: number, milliseconds: number) => void,
): Promise<Result> {
  const { endpoint, cookies } = options;
  let nextCookie = 0;
  const headers: Record<string, string> = {};
  if (endpoint.body !== undefined) headers["content-type"] = "application/json";

  const request: autocannon.Request = {
    method: endpoint.method,
    path: endpoint.path,
    headers,
    body: endpoint.body,
  };
  if (endpoint.authenticated) {
    request.setupRequest = (current) => {
      const cookie = cookies[nextCookie++ % cookies.length] ?? "";
      return { ...current, headers: { ...headers, cookie } };
    };
  }

  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.baseUrl,
        connections: options.connections,
        duration: seconds,
        requests: [request],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    if (onResponse) {
      instance.on("response", (_client, statusCode, _bytes, responseTime) =>
        onResponse(statusCode, responseTime),
      );
    }
  });
}

/** Sends the endpoint's requests for `seconds` without measuring anything. */
export async function warmUp(options: LoadOptions, seconds: number): Promise<void> {
  await fire(options, seconds);
}

/**
 * Warms the endpoint up, then measures it at a fixed number of connections, sampling the server
 * process's memory and CPU during the measured part only.
 */
export async function runLoad(options: LoadOptions): Promise<LoadRun> {
  await fire(options, options.warmupSeconds);

  const latencies = new LatencyRecorder();
  const statusCodes: Record<string, number> = {};
  let ok = 0;
  const sampler = new ResourceSampler(options.serverPid, await options.postgresPids());
  const result = await fire(options, options.durationSeconds, (status, milliseconds) => {
    statusCodes[status] = (statusCodes[status] ?? 0) + 1;
    if (status >= 200 && status < 300) ok++;
    latencies.add(milliseconds);
  });
  const resources = sampler.stop();

  return {
    endpoint: options.endpoint.name,
    connections: options.connections,
    storedUsers: options.storedUsers,
    seconds: result.duration,
    ok,
    rps: ok / result.duration,
    latency: latencies.summary(),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    serverCpuMsPerRequest: (resources.cpu.serverSeconds * 1000) / latencies.count,
    resources,
  };
}
