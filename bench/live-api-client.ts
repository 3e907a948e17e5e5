/**
 * A live in-memory Kubernetes API for benchmarks that change the cluster while it is served: the
 * `ApiClient` the real reflector talks to, whose watches stay open so that more watch bytes can be
 * sent into them later, the way the API server writes an event to every open watch when an
 * object changes.
 *
 * It measures nothing itself. As in `in-memory-api-client.ts`: every LIST answers an empty list at
 * resourceVersion 1, and the first WATCH of a path streams that path's scripted bytes, pulled
 * chunk by chunk as the reader asks (a real `http.IncomingMessage`, so backpressure and `destroy`
 * behave as on a socket). Unlike there, the watch does not end when its script is spent: it stays
 * open, and `send` pushes bytes into it. Bytes sent while the script is still streaming follow the
 * script; a later watch of the same path (after a reconnect) receives what is sent from then on.
 */
import http from 'node:http';
import net from 'node:net';
import type { ApiClient, ApiResponse } from '../src/informers/api-client.js';
import type { WatchScripts } from './in-memory-api-client.js';

export interface LiveApi {
  readonly client: ApiClient;
  /** Writes watch bytes into the open watch of `path`; throws if nobody watches it. */
  send(path: string, bytes: Buffer): void;
}

interface OpenWatch {
  readonly body: http.IncomingMessage;
  scriptDone: boolean;
  readonly queued: Buffer[];
}

const emptyList = Buffer.from(JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] }));

export function liveApiClient(scripts: WatchScripts): LiveApi {
  const served = new Set<string>();
  const open = new Map<string, OpenWatch>();
  const client: ApiClient = {
    async get(path, query, signal): Promise<ApiResponse> {
      if (query.watch !== 'true') return listResponse(signal);
      const script = served.has(path) ? undefined : scripts.get(path);
      served.add(path);
      const watch = openWatch(script?.(), signal);
      open.set(path, watch);
      watch.body.once('close', () => { if (open.get(path) === watch) open.delete(path); });
      return { status: 200, headers: watch.body.headers, body: watch.body };
    },
    async post(path): Promise<{ status: number; body: unknown }> {
      return { status: 404, body: { kind: 'Status', message: `${path}: the in-memory API serves no POSTs` } };
    },
  };
  return {
    client,
    send(path, bytes) {
      const watch = open.get(path);
      if (watch === undefined) throw new Error(`no open watch of ${path}`);
      if (watch.scriptDone) watch.body.push(bytes);
      else watch.queued.push(bytes);
    },
  };
}

function responseBody(signal: AbortSignal): http.IncomingMessage {
  const body = new http.IncomingMessage(new net.Socket());
  body.statusCode = 200;
  body.headers = { 'content-type': 'application/json' };
  const abort = (): void => {
    body.destroy(new DOMException('the request was aborted', 'AbortError'));
  };
  if (signal.aborted) queueMicrotask(abort);
  else signal.addEventListener('abort', abort, { once: true });
  body.once('close', () => signal.removeEventListener('abort', abort));
  return body;
}

function listResponse(signal: AbortSignal): ApiResponse {
  const body = responseBody(signal);
  let sent = false;
  body._read = () => {
    if (!sent) body.push(emptyList);
    sent = true;
    body.push(null);
  };
  return { status: 200, headers: body.headers, body };
}

/** A watch body that yields `chunks` (if any), then stays open for what `send` pushes. */
function openWatch(chunks: Iterable<Buffer> | undefined, signal: AbortSignal): OpenWatch {
  const body = responseBody(signal);
  const watch: OpenWatch = { body, scriptDone: chunks === undefined, queued: [] };
  const iterator = chunks?.[Symbol.iterator]();
  body._read = () => {
    if (iterator === undefined || watch.scriptDone) return;
    for (;;) {
      const next = iterator.next();
      if (next.done === true) {
        watch.scriptDone = true;
        for (const bytes of watch.queued.splice(0)) body.push(bytes);
        return;
      }
      if (!body.push(next.value)) return;
    }
  };
  return watch;
}
