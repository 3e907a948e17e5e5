/**
 * The metrics API's HTTP server: `GET /api/v1/stat`, `/api/v1/routes`, `/api/v1/edges`,
 * `/api/v1/namespaces` answering JSON (metrics-api-types.ts), plus `/live` and `/ready` (200 once
 * the workload inventory has synced).
 *
 * Contract: no request can crash the process. A malformed query is 400 `{ "error": "<param>: …" }`;
 * an unknown path 404; a method other than GET or HEAD 405; the backend failing (Prometheus down)
 * 503 with its message; anything else 500 with the error logged. Responses carry
 * `content-type: application/json` and `cache-control: no-store`.
 */
import { listenHttp } from '../streams/http-listen.js';
import http from 'node:http';
import type { Logger } from '../observe/logger.js';
import { BackendError } from './metric-query.js';
import { edgesQueryFrom, routesQueryFrom, statQueryFrom } from './metrics-api-query.js';
import { BadQueryError, type MetricsApi } from './metrics-api-types.js';

export interface MetricsApiServerOptions {
  readonly api: MetricsApi;
  readonly host: string;
  readonly port: number;
  readonly ready: () => boolean;
  readonly log: Logger;
}

export interface MetricsApiServer {
  readonly port: number;
  close(): Promise<void>;
}

type Route = (params: URLSearchParams) => Promise<unknown>;

function routesOf(api: MetricsApi): Readonly<Record<string, Route>> {
  return {
    '/api/v1/stat': (params) => api.stat(statQueryFrom(params)),
    '/api/v1/routes': (params) => api.routes(routesQueryFrom(params)),
    '/api/v1/edges': (params) => api.edges(edgesQueryFrom(params)),
    '/api/v1/namespaces': (params) => {
      const extra = [...params.keys()][0];
      if (extra !== undefined) throw new BadQueryError(extra, 'is not a parameter of this query (it takes none)');
      return api.namespaces();
    },
  };
}

function send(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

async function handle(options: MetricsApiServerOptions, routes: Readonly<Record<string, Route>>, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  let url: URL;
  try {
    url = new URL(request.url ?? '/', 'http://metrics-api');
  } catch {
    send(response, 400, { error: 'request target: not a valid URL' });
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    send(response, 405, { error: `method ${request.method ?? ''} is not allowed; use GET` });
    return;
  }
  if (url.pathname === '/live') return send(response, 200, { status: 'live' });
  if (url.pathname === '/ready') return options.ready() ? send(response, 200, { status: 'ready' }) : send(response, 503, { error: 'the workload inventory has not synced yet' });
  const route = routes[url.pathname];
  if (route === undefined) return send(response, 404, { error: `no such endpoint ${url.pathname}; try ${Object.keys(routes).join(', ')}` });
  try {
    send(response, 200, await route(url.searchParams));
  } catch (error) {
    if (error instanceof BadQueryError) return send(response, 400, { error: error.message });
    if (error instanceof BackendError) {
      options.log.warn('metrics backend failed', { path: url.pathname, error: error.message });
      return send(response, 503, { error: error.message });
    }
    options.log.error('metrics API request failed', { path: url.pathname, error: (error as Error).message });
    send(response, 500, { error: 'internal error; see the metrics API log' });
  }
}

export async function startMetricsApiServer(options: MetricsApiServerOptions): Promise<MetricsApiServer> {
  const routes = routesOf(options.api);
  const server = http.createServer((request, response) => {
    request.resume();
    handle(options, routes, request, response).catch((error: unknown) => {
      options.log.error('metrics API response failed', { error: (error as Error).message });
      if (!response.headersSent) send(response, 500, { error: 'internal error' });
      else response.destroy();
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  return listenHttp(server, options.host, options.port);
}
