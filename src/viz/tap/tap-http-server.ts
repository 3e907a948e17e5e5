/**
 * The tap server's HTTP API (tap-event.ts): `POST …/watch/namespaces/NS[/TYPE/NAME]/tap` taps the
 * resource's meshed pods (tap-fanout.ts) and streams the events as NDJSON; `GET /live` and
 * `GET /ready` (200 once the inventory has synced and the server holds a certificate, else 503).
 *
 * Answers: 400 `{ "error" }` naming the field for a malformed request, 404 for another path or a
 * resource with no meshed pod that has an address, 405 for another method, 413 for a body over
 * 64 KiB, 503 while the server has no certificate. The 200 head is sent with the first event, or
 * after one second, so that a tap every proxy refuses at once gets 502 with their reasons instead;
 * after the head, refusals are only logged. A client that goes away cancels every proxy call.
 */
import { listenHttp } from '../../streams/http-listen.js';
import http from 'node:http';
import type { ServiceError } from '@grpc/grpc-js';
import type { Logger } from '../../observe/logger.js';
import { type HostPort } from '../../proxy/host-port.js';
import type { LocalIdentity } from '../../proxy/local-identity.js';
import type { Resource } from '../metrics-api-types.js';
import { defaultTapPort, type Inventory } from '../workloads.js';
import { runTapFanout, type TapPod } from './tap-fanout.js';
import type { TapEvent } from './tap-event.js';
import { defaultMaxRps, observeMatch, parseTapBody, parseTapPath, TapQueryError, toResourceOf } from './tap-query.js';

export interface TapHttpContext {
  readonly inventory: Inventory;
  readonly identity: () => LocalIdentity | undefined;
  /** What follows `SA.NS.` in a workload's identity, e.g. `serviceaccount.identity.linkerd.cluster.local`. */
  readonly identitySuffix: string;
  readonly log: Logger;
  /** The proxies' tap port when a pod does not name one (`linkerd-tap`); default 4190. */
  readonly tapPort?: number;
  readonly windowMs?: number;
}

export interface RunningTapHttpServer {
  readonly port: number;
  close(): Promise<void>;
}

const maxBodyBytes = 64 * 1024;
const headGraceMs = 1000;

function answer(response: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = typeof body === 'string' ? body : `${JSON.stringify(body)}\n`;
  response.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', ...headers });
  response.end(text);
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so the 413 can still be answered.
      if (size > maxBodyBytes) reject(new TapQueryError(`body: larger than ${maxBodyBytes} bytes`, 413));
      else chunks.push(chunk);
    });
    request.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.once('error', reject);
  });
}

function describe(resource: Resource): string {
  return resource.type === 'namespace' ? `namespace ${resource.name}` : `${resource.type}/${resource.name} in namespace ${resource.namespace}`;
}

function podsToTap(context: TapHttpContext, target: Resource): TapPod[] {
  return context.inventory.podsOf(target)
    .filter((pod) => pod.meshed && pod.ip !== undefined && pod.phase === 'Running')
    .map((pod) => ({
      name: `${pod.namespace}/${pod.name}`, ip: pod.ip ?? '', port: pod.proxyPorts['linkerd-tap'] ?? context.tapPort ?? defaultTapPort,
      identity: `${pod.serviceAccount}.${pod.namespace}.${context.identitySuffix}`,
    }));
}

/** The NDJSON answer: its head deferred (see the contract), each event one line. */
function ndjsonOut(response: http.ServerResponse) {
  let headSent = false;
  const head = (): void => {
    if (headSent || response.headersSent) return;
    headSent = true;
    response.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    response.flushHeaders();
  };
  const timer = setTimeout(head, headGraceMs);
  return {
    write: (event: TapEvent): boolean => {
      head();
      return response.write(`${JSON.stringify(event)}\n`);
    },
    once: (event: 'drain', listener: () => void) => response.once(event, listener),
    headSent: () => headSent,
    stopTimer: () => clearTimeout(timer),
  };
}

async function serveTap(request: http.IncomingMessage, response: http.ServerResponse, pathname: string, context: TapHttpContext): Promise<void> {
  const target = parseTapPath(pathname);
  const body = parseTapBody(await readBody(request));
  const match = observeMatch(body, toResourceOf(body, target));
  const identity = context.identity();
  if (identity === undefined) return answer(response, 503, { error: 'the tap server has no certificate from the identity service yet' });
  const pods = podsToTap(context, target);
  if (pods.length === 0) return answer(response, 404, { error: `no meshed pods with an address to tap for ${describe(target)}` });
  const abort = new AbortController();
  response.once('close', () => abort.abort());
  const out = ndjsonOut(response);
  const refusals: string[] = [];
  context.log.info('tap started', { target: describe(target), pods: pods.length });
  await runTapFanout({
    pods, match, maxRps: body.maxRps ?? defaultMaxRps, limit: body.limit, extractHeaders: body.extract === true, identity,
    podByIp: (ip) => context.inventory.podByIp(ip), out, signal: abort.signal, ...(context.windowMs === undefined ? {} : { windowMs: context.windowMs }),
    onPodStreaming: (pod: TapPod) => context.log.info('tap streaming', { target: describe(target), pod: pod.name }),
    onPodError: (pod: TapPod, error: ServiceError) => {
      refusals.push(`${pod.name}: ${error.details || error.message}`);
      context.log.warn('tap of a pod failed', { pod: pod.name, error: error.details || error.message });
    },
  });
  out.stopTimer();
  context.log.info('tap ended', { target: describe(target), reason: abort.signal.aborted ? 'the client went away' : 'done' });
  if (!out.headSent() && !response.headersSent && refusals.length > 0) {
    return answer(response, 502, { error: `every tapped proxy refused or failed: ${refusals.join('; ')}` });
  }
  if (!response.headersSent) response.writeHead(200, { 'content-type': 'application/x-ndjson' });
  response.end();
}

function route(request: http.IncomingMessage, response: http.ServerResponse, context: TapHttpContext, ready: () => boolean): void {
  const pathname = new URL(request.url ?? '/', 'http://tap').pathname;
  if (pathname === '/live' || pathname === '/ready') {
    if (request.method !== 'GET' && request.method !== 'HEAD') return answer(response, 405, { error: 'method: use GET' }, { allow: 'GET, HEAD' });
    const ok = pathname === '/live' || ready();
    return answer(response, ok ? 200 : 503, ok ? `${pathname.slice(1)}\n` : 'not ready\n');
  }
  if (!pathname.startsWith('/apis/tap.linkerd.io/')) return answer(response, 404, { error: `path: ${JSON.stringify(pathname)} is not served here` });
  if (request.method !== 'POST') return answer(response, 405, { error: 'method: a tap is a POST' }, { allow: 'POST' });
  serveTap(request, response, pathname, context).catch((error: unknown) => {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    if (error instanceof TapQueryError) return answer(response, error.status, { error: error.message });
    context.log.error('tap failed', { error: String(error) });
    answer(response, 500, { error: 'the tap failed inside the tap server' });
  });
}

export async function startTapHttpServer(listen: HostPort, context: TapHttpContext): Promise<RunningTapHttpServer> {
  const ready = (): boolean => context.inventory.synced() && context.identity() !== undefined;
  const server = http.createServer({ requestTimeout: 0, headersTimeout: 10_000 }, (request, response) => route(request, response, context, ready));
  return listenHttp(server, listen.host, listen.port);
}
