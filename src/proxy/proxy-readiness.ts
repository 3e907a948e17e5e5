/**
 * Waiting for a proxy to be ready, from beside it in the pod: polls the admin server's /ready
 * until it answers 200 or the time is up. What `sinew proxy-await` (the classic sidecar layout's
 * postStart hook) runs, so the application starts only once its proxy can carry its traffic.
 */
import http from 'node:http';

export class ProxyNotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProxyNotReadyError';
  }
}

/** The status of one GET (0 when the admin server cannot be reached). */
function probe(host: string, port: number, path: string, method = 'GET'): Promise<number> {
  return new Promise((resolve) => {
    const request = http.request({ host, port, path, method, agent: false, timeout: 1_000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(0));
    request.end();
  });
}

/** Resolves once `host:port/ready` answers 200; rejects with ProxyNotReadyError after `timeoutMs`. */
export async function waitForReady(host: string, port: number, timeoutMs: number, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: number;
  for (;;) {
    last = await probe(host, port, '/ready');
    if (last === 200) return;
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(1, deadline - Date.now()))));
  }
  const seen = last === 0 ? 'it could not be reached' : `/ready answered ${last}`;
  throw new ProxyNotReadyError(`the proxy at ${host}:${port} was not ready within ${timeoutMs} ms (${seen})`);
}

/** Asks the proxy to shut down (POST /shutdown; the proxy must have LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED). */
export async function requestShutdown(host: string, port: number): Promise<number> {
  return probe(host, port, '/shutdown', 'POST');
}
