/**
 * The web dashboard's HTTP server: the page and its assets, the JSON endpoints it reads
 * (api-routes.ts) and the live tap WebSocket (live-tap.ts), over a MetricsApi and a TapSource
 * given by the caller (HTTP clients in the CLI, in-process objects in the demo and the tests).
 *
 * Contract, for every request whatever its outcome: the security headers are set
 * (security-headers.ts); a Host that is not local nor matches --enforced-host gets 400 before
 * anything else is looked at (host-check.ts); only GET and HEAD are served (405 otherwise); an
 * address that is neither a page, an asset nor an endpoint gets 404. A WebSocket upgrade is
 * accepted only at /api/tap, from a page of the same origin (else 403), with a valid query (else
 * 400), while fewer than `maxTaps` taps run (else 503). Nothing a client sends can stop the server.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { type Logger, silentLogger } from '../../observe/logger.js';
import { BadQueryError, type MetricsApi } from '../metrics-api-types.js';
import { answerApi, isApiPath } from './api-routes.js';
import { hostPolicy, hostRefusal, type HostPolicy } from './host-check.js';
import { liveTapRequestFrom, runLiveTap } from './live-tap.js';
import { isPagePath } from './page-routes.js';
import { securityHeaderLines, setSecurityHeaders } from './security-headers.js';
import { loadStaticAssets, type Asset, type StaticAssets } from './static-assets.js';
import type { TapSource } from './tap-source.js';

export interface DashboardOptions {
  readonly metrics: MetricsApi;
  readonly tap: TapSource;
  /** Default 127.0.0.1. */
  readonly address?: string;
  /** Default 50750; 0 picks a free port. */
  readonly port?: number;
  /** A regular expression of further Host names to serve (e.g. the in-cluster Service name). */
  readonly enforcedHost?: string;
  /** Default: found next to the module or in the source tree (static-assets.ts). */
  readonly assetsDir?: string;
  /** Live taps at once, over every browser (default 16). */
  readonly maxTaps?: number;
  readonly log?: Logger;
}

export interface DashboardServer {
  /** The address to open, e.g. http://127.0.0.1:50750/ (localhost-style names for wildcard binds). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export const defaultDashboardPort = 50750;

/** The dashboard could not bind its address; `code` is the system's (EADDRINUSE, EACCES, …). */
export class DashboardListenError extends Error {
  readonly code: string | undefined;
  constructor(address: string, port: number, cause: NodeJS.ErrnoException) {
    super(`cannot listen on ${address}:${port}: ${cause.message}`, { cause });
    this.name = 'DashboardListenError';
    this.code = cause.code;
  }
}
const tapPath = '/api/tap';

interface Context {
  readonly options: DashboardOptions;
  readonly policy: HostPolicy;
  readonly assets: StaticAssets;
  readonly log: Logger;
}

function sendText(response: http.ServerResponse, status: number, text: string, extra: http.OutgoingHttpHeaders = {}): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
  response.end(text);
}

function sendAsset(request: http.IncomingMessage, response: http.ServerResponse, asset: Asset): void {
  const headers = { 'Content-Type': asset.contentType, 'Cache-Control': 'no-cache', ETag: asset.etag };
  if (request.headers['if-none-match'] === asset.etag) {
    response.writeHead(304, headers);
    response.end();
    return;
  }
  response.writeHead(200, { ...headers, 'Content-Length': asset.body.length });
  response.end(request.method === 'HEAD' ? undefined : asset.body);
}

async function handle(context: Context, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  setSecurityHeaders(response);
  if (!context.policy.allowsHost(request.headers.host)) return sendText(response, 400, hostRefusal(request.headers.host, context.policy));
  if (request.method !== 'GET' && request.method !== 'HEAD') return sendText(response, 405, `the dashboard answers only GET and HEAD, not ${request.method ?? ''}\n`, { Allow: 'GET, HEAD' });
  const url = new URL(request.url ?? '/', 'http://dashboard.invalid');
  if (isApiPath(url.pathname)) {
    const answer = await answerApi(url.pathname, url.searchParams, context.options.metrics);
    if (answer.status >= 500) context.log.warn('metrics API request failed', { path: url.pathname, error: String((answer.body as { error?: unknown }).error) });
    response.writeHead(answer.status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : JSON.stringify(answer.body));
    return;
  }
  if (isPagePath(url.pathname)) return sendAsset(request, response, context.assets.index);
  const asset = url.pathname.startsWith('/assets/') ? context.assets.get(url.pathname.slice('/assets/'.length)) : undefined;
  if (asset !== undefined) return sendAsset(request, response, asset);
  sendText(response, 404, `the dashboard has no page ${JSON.stringify(url.pathname)}\n`);
}

/** Answers on the raw socket (a refused upgrade, an unreadable request), then closes it. */
function answerOnSocket(socket: Duplex, status: number, reason: string, text: string): void {
  const body = Buffer.from(text);
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
    `Cache-Control: no-store\r\nContent-Length: ${body.length}\r\n${securityHeaderLines()}\r\n${body.toString()}`);
}

function upgrade(context: Context, sockets: WebSocketServer, taps: Set<WebSocket>, request: http.IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on('error', () => socket.destroy());
  const { host, origin } = request.headers;
  if (!context.policy.allowsHost(host)) return answerOnSocket(socket, 400, 'Bad Request', hostRefusal(host, context.policy));
  const url = new URL(request.url ?? '/', 'http://dashboard.invalid');
  if (url.pathname !== tapPath) return answerOnSocket(socket, 404, 'Not Found', `no WebSocket at ${JSON.stringify(url.pathname)}\n`);
  if (!context.policy.allowsOrigin(origin, host)) {
    context.log.warn('refused a cross-origin WebSocket', { origin: origin ?? '', host: host ?? '' });
    return answerOnSocket(socket, 403, 'Forbidden', `a WebSocket from origin ${JSON.stringify(origin ?? '')} may not open the tap of ${JSON.stringify(host ?? '')}\n`);
  }
  let tapRequest;
  try {
    tapRequest = liveTapRequestFrom(url.searchParams);
  } catch (error) {
    if (!(error instanceof BadQueryError)) throw error;
    return answerOnSocket(socket, 400, 'Bad Request', `${error.message}\n`);
  }
  const maxTaps = context.options.maxTaps ?? 16;
  if (taps.size >= maxTaps) return answerOnSocket(socket, 503, 'Service Unavailable', `${maxTaps} live taps are already running\n`);
  sockets.handleUpgrade(request, socket, head, (ws) => {
    taps.add(ws);
    ws.once('close', () => taps.delete(ws));
    void runLiveTap(ws, tapRequest, context.options.tap, context.log);
  });
}

/** The URL to print: the bound address, with a local name for a wildcard one. */
function urlOf(address: string, port: number): string {
  const host = address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address.includes(':') ? `[${address}]` : address;
  return `http://${host}:${port}/`;
}

/** Starts the dashboard; resolves once it listens. Throws MissingAssetsError or EnforcedHostError before binding, DashboardListenError when it cannot bind. */
export async function startDashboard(options: DashboardOptions): Promise<DashboardServer> {
  const log = options.log ?? silentLogger;
  const context: Context = { options, policy: hostPolicy(options.enforcedHost), assets: loadStaticAssets(options.assetsDir), log };
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const taps = new Set<WebSocket>();
  const server = http.createServer({ headersTimeout: 10_000, requestTimeout: 30_000, requireHostHeader: false }, (request, response) => {
    handle(context, request, response).catch((error: Error) => {
      log.error('dashboard request failed', { path: request.url ?? '', error: error.message });
      if (!response.headersSent) sendText(response, 500, 'the dashboard failed to answer\n');
      else response.destroy();
    });
  });
  server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      upgrade(context, sockets, taps, request, socket, head);
    } catch (error) {
      log.error('dashboard upgrade failed', { error: (error as Error).message });
      socket.destroy();
    }
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) answerOnSocket(socket, 400, 'Bad Request', 'the request could not be read as HTTP\n');
    else socket.destroy();
  });
  const address = options.address ?? '127.0.0.1';
  const wantedPort = options.port ?? defaultDashboardPort;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new DashboardListenError(address, wantedPort, error)));
    server.listen(wantedPort, address, () => {
      server.removeAllListeners('error');
      server.on('error', (error) => log.error('dashboard server error', { error: error.message }));
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: urlOf(address, port), port,
    close: async () => {
      for (const ws of taps) ws.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
