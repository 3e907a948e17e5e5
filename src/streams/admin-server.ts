/**
 * The control plane's admin HTTP server: /live, /ready, /metrics, and the views themselves.
 *
 * `GET /views` lists view keys; `GET /views/<key>` returns one snapshot as JSON;
 * `GET /views/<key>?watch=true` streams it as JSON lines (a snapshot, then deltas) through a
 * bounded session: a reader that stops reading is cut off when its queue overflows, and nobody
 * else notices. This is what `curl` sees of exactly what a proxy would be sent.
 */
import { listenHttp } from './http-listen.js';
import http from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../observe/logger.js';
import type { Snapshot } from './snapshot.js';
import type { ViewHub } from './view-hub.js';
import type { MessageSink, ViewMessage } from './view-message.js';

export interface AdminServerOptions {
  readonly address: string;
  readonly port: number;
  readonly registry: Registry;
  readonly hub: ViewHub;
  readonly view: (key: string) => Snapshot | undefined;
  readonly viewKeys: () => readonly string[];
  readonly ready: () => boolean;
  readonly log: Logger;
  readonly streamCapacity?: number;
}

export interface AdminServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const server = http.createServer((request, response) => {
    handle(options, request, response).catch((error: unknown) => {
      options.log.error('admin request failed', { error: (error as Error).message });
      if (!response.headersSent) response.writeHead(500).end('internal error\n');
      else response.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 0;
  return listenHttp(server, options.address, options.port);
}

async function handle(options: AdminServerOptions, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://admin');
  if (request.method !== 'GET') return text(response, 405, 'method not allowed\n');
  if (url.pathname === '/live') return text(response, 200, 'live\n');
  if (url.pathname === '/ready') return options.ready() ? text(response, 200, 'ready\n') : text(response, 503, 'not synced\n');
  if (url.pathname === '/metrics') {
    const body = await options.registry.metrics();
    response.writeHead(200, { 'content-type': options.registry.contentType }).end(body);
    return;
  }
  if (url.pathname === '/views') return json(response, 200, options.viewKeys());
  if (url.pathname.startsWith('/views/')) {
    const key = decodeURIComponent(url.pathname.slice('/views/'.length));
    if (url.searchParams.get('watch') === 'true') return watch(options, key, response);
    const snapshot = options.view(key);
    return snapshot === undefined ? json(response, 404, { error: `no view ${key}` }) : json(response, 200, snapshot);
  }
  text(response, 404, 'not found\n');
}

function watch(options: AdminServerOptions, key: string, response: http.ServerResponse): void {
  response.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  const sink: MessageSink<ViewMessage> = {
    write: (message) => response.write(JSON.stringify(message) + '\n'),
    onDrain: (listener) => { response.once('drain', listener); },
    close: (reason) => {
      // An overflowing reader is not reading: its socket is full, so a goodbye could never arrive.
      if (reason === 'overflow') response.destroy();
      else response.end();
    },
    onClose: (listener) => { response.once('close', listener); },
  };
  options.hub.subscribe(key, sink, { kind: 'bounded', capacity: options.streamCapacity ?? 100 });
}

function text(response: http.ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
}

function json(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body) + '\n');
}
