/**
 * The HTTP/1 and HTTP/2 servers a proxy hands its detected connections to. They never listen:
 * each connection is given to them after detection (and TLS termination), together with what the
 * proxy knows about it, which the request handler receives beside the request.
 *
 * Limits: a request head must arrive within `headersTimeoutMs` and fit in `maxHeaderBytes` (larger
 * heads get 431, malformed ones 400, and only their own connection is closed); an HTTP/2 peer gets
 * the same header-list limit. Idle keep-alive connections close after `keepAliveTimeoutMs`.
 */
import http from 'node:http';
import http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import type { DownstreamRequest, DownstreamResponse } from './downstream.js';

export interface HttpServerLimits {
  readonly headersTimeoutMs: number;
  readonly maxHeaderBytes: number;
  readonly keepAliveTimeoutMs: number;
}

export const defaultHttpServerLimits: HttpServerLimits = { headersTimeoutMs: 10_000, maxHeaderBytes: 16 * 1024, keepAliveTimeoutMs: 90_000 };

export type RequestHandler<C> = (request: DownstreamRequest, response: DownstreamResponse, connection: C) => void;

export interface HttpServers<C> {
  serve(socket: Duplex, kind: 'h2' | 'http1', connection: C): void;
  /** Stops taking new requests on open connections (GOAWAY, `Connection: close`); requests in flight finish. */
  drain(): void;
  close(): void;
}

export function httpServers<C>(handler: RequestHandler<C>, limits: HttpServerLimits = defaultHttpServerLimits): HttpServers<C> {
  const h1Connections = new WeakMap<object, C>();
  const h2Connections = new WeakMap<object, C>();
  const sessions = new Set<http2.ServerHttp2Session>();
  let pending: C | undefined;
  let draining = false;
  const h1 = http.createServer({
    headersTimeout: limits.headersTimeoutMs, requestTimeout: 0, maxHeaderSize: limits.maxHeaderBytes,
    keepAliveTimeout: limits.keepAliveTimeoutMs, noDelay: true,
    connectionsCheckingInterval: Math.max(100, Math.min(1000, limits.headersTimeoutMs / 4)),
  }, (request, response) => {
    const connection = h1Connections.get(request.socket);
    if (connection === undefined) return void response.destroy();
    if (draining) response.setHeader('connection', 'close');
    handler(request, response, connection);
  });
  // The server never listens, but its head and request timers only run once it has: node:http
  // starts them on 'listening'.
  h1.emit('listening');
  h1.on('clientError', (error: Error & { code?: string }, socket) => {
    if (socket.writable) socket.end(`HTTP/1.1 ${clientErrorStatus(error.code)}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    socket.destroy();
  });
  const h2 = http2.createServer({ maxSessionMemory: 64, settings: { maxHeaderListSize: limits.maxHeaderBytes } });
  h2.on('session', (session) => {
    if (pending !== undefined) h2Connections.set(session, pending);
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    session.on('error', () => session.destroy());
  });
  h2.on('request', (request, response) => {
    const connection = h2Connections.get(request.stream.session as object);
    if (connection === undefined) return void request.stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
    handler(request, response, connection);
  });
  return {
    serve: (socket, kind, connection) => {
      if (kind === 'http1') {
        h1Connections.set(socket, connection);
        h1.emit('connection', socket);
        return;
      }
      pending = connection;
      try {
        h2.emit('connection', socket);
      } finally {
        pending = undefined;
      }
    },
    drain: () => {
      draining = true;
      for (const session of sessions) session.close();
      h1.closeIdleConnections();
    },
    close: () => {
      for (const session of sessions) session.destroy();
      h1.closeAllConnections();
      h1.close(() => undefined);
    },
  };
}

/** The answer to a request node:http could not read: too large a head, too slow a client, or malformed. */
function clientErrorStatus(code: string | undefined): string {
  if (code === 'HPE_HEADER_OVERFLOW') return '431 Request Header Fields Too Large';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return '408 Request Timeout';
  return '400 Bad Request';
}
