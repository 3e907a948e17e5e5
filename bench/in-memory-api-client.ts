/**
 * An in-memory Kubernetes API for benchmarks: the `ApiClient` the real reflector talks to, with
 * no sockets, TLS or HTTP parsing in the way, so what is measured is Sinew's own work.
 *
 * It measures nothing itself. Every LIST answers an empty list at resourceVersion 1. The first
 * WATCH of a path streams that path's scripted bytes, pulled chunk by chunk as the reader asks
 * (a real `http.IncomingMessage`, so backpressure and `destroy` behave as on a socket), then ends.
 * Every later watch (the reflector resumes when a watch ends) stays open and silent until the
 * request's signal aborts, so the informers stop producing once the script is spent.
 */
import http from 'node:http';
import net from 'node:net';
import type { ApiClient, ApiResponse } from '../src/informers/api-client.js';

export type WatchScripts = ReadonlyMap<string, () => Iterable<Buffer>>;

const emptyList = Buffer.from(JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] }));

export function inMemoryApiClient(scripts: WatchScripts): ApiClient {
  const served = new Set<string>();
  return {
    async get(path, query, signal): Promise<ApiResponse> {
      if (query.watch !== 'true') return respond([emptyList], signal);
      const script = served.has(path) ? undefined : scripts.get(path);
      served.add(path);
      return respond(script?.() ?? undefined, signal);
    },
    async post(path): Promise<{ status: number; body: unknown }> {
      return { status: 404, body: { kind: 'Status', message: `${path}: the in-memory API serves no POSTs` } };
    },
  };
}

/** A 200 response whose body yields `chunks` then ends, or (with none) never ends until aborted. */
function respond(chunks: Iterable<Buffer> | undefined, signal: AbortSignal): ApiResponse {
  const body = new http.IncomingMessage(new net.Socket());
  body.statusCode = 200;
  body.headers = { 'content-type': 'application/json' };
  const iterator = chunks?.[Symbol.iterator]();
  body._read = () => {
    if (iterator === undefined) return;
    for (;;) {
      const next = iterator.next();
      if (next.done === true) {
        body.push(null);
        return;
      }
      if (!body.push(next.value)) return;
    }
  };
  const abort = (): void => {
    body.destroy(new DOMException('the request was aborted', 'AbortError'));
  };
  if (signal.aborted) abort();
  else signal.addEventListener('abort', abort, { once: true });
  body.once('close', () => signal.removeEventListener('abort', abort));
  return { status: 200, headers: body.headers, body };
}
