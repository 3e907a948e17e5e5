/**
 * HTTP/2 to one endpoint over one long-lived multiplexed connection: the hop between meshed
 * proxies (over mutual TLS, carrying HTTP/1 requests as HTTP/2 with `l5d-orig-proto`, so a
 * handshake is paid per connection, never per request) and the hop to an HTTP/2 application.
 *
 * Contract: see upstream.ts. At most one connection is open at a time; it is made on first use
 * and replaced once it closes, errors or receives GOAWAY (streams already open on it finish).
 * Establishing it, handshake included, is bounded by `connectTimeoutMs`.
 */
import http2, { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders as H2Headers } from 'node:http2';
import type { Duplex } from 'node:stream';
import { connectTimeout, sendFailure } from './connect-errors.js';
import type { HttpConnector, UpstreamRequest, UpstreamResponse } from './upstream.js';

export interface H2Target {
  /** `host:port`, for error messages and the session's origin. */
  readonly name: string;
  /** Opens the transport: a TLS socket (meshed) or a TCP socket (plaintext). */
  readonly connect: () => Duplex;
  readonly connectTimeoutMs: number;
  readonly scheme: 'http' | 'https';
  /** HTTP/2 keepalive PING interval; 0 turns it off. */
  readonly keepAliveIntervalMs?: number;
}

export function h2Connector(target: H2Target): HttpConnector {
  let current: Promise<ClientHttp2Session> | undefined;
  const session = (): Promise<ClientHttp2Session> => {
    current ??= openSession(target, () => { current = undefined; });
    return current;
  };
  return {
    send: async (request, signal) => {
      let open: ClientHttp2Session;
      try {
        open = await session();
      } catch (error) {
        throw sendFailure(error, target.name, signal);
      }
      return sendOn(open, target, request, signal);
    },
    close: () => {
      void current?.then((open) => open.close(), () => undefined);
      current = undefined;
    },
  };
}

function openSession(target: H2Target, forget: () => void): Promise<ClientHttp2Session> {
  return new Promise<ClientHttp2Session>((resolve, reject) => {
    const session = http2.connect(`${target.scheme}://${target.name}`, { createConnection: target.connect });
    const timer = setTimeout(() => {
      reject(connectTimeout(target.name, target.connectTimeoutMs));
      session.destroy();
    }, target.connectTimeoutMs);
    const drop = (): void => forget();
    session.once('connect', () => {
      clearTimeout(timer);
      keepAlive(session, target.keepAliveIntervalMs ?? 0);
      resolve(session);
    });
    session.once('error', (error) => {
      clearTimeout(timer);
      drop();
      reject(error);
    });
    session.once('close', () => { clearTimeout(timer); drop(); });
    session.once('goaway', drop);
  });
}

function keepAlive(session: ClientHttp2Session, intervalMs: number): void {
  if (intervalMs <= 0) return;
  const timer = setInterval(() => {
    if (!session.closed && !session.destroyed) session.ping(() => undefined);
  }, intervalMs);
  timer.unref();
  session.once('close', () => clearInterval(timer));
}

function sendOn(session: ClientHttp2Session, target: H2Target, request: UpstreamRequest, signal: AbortSignal): Promise<UpstreamResponse> {
  return new Promise<UpstreamResponse>((resolve, reject) => {
    const endStream = request.body === undefined;
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(requestHeaders(request, target.scheme), { endStream });
    } catch (error) {
      reject(sendFailure(error, target.name, signal));
      return;
    }
    let trailers: H2Headers | undefined;
    let answered = false;
    const onAbort = (): void => {
      reject(sendFailure(signal.reason, target.name, signal));
      stream.close(http2.constants.NGHTTP2_CANCEL);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    stream.once('error', (error) => { if (!answered) reject(sendFailure(error, target.name, signal)); });
    stream.once('trailers', (headers) => { trailers = headers; });
    stream.once('response', (headers, flags) => {
      answered = true;
      const trailersOnly = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
      resolve({ status: Number(headers[':status'] ?? 502), headers: withoutPseudo(headers), body: stream, trailers: () => trailers, trailersOnly });
    });
    stream.once('close', () => {
      signal.removeEventListener('abort', onAbort);
      // Only a stream that closed before its response is a failure; building the error costs
      // microseconds on every request otherwise.
      if (!answered) reject(sendFailure(new Error(`stream closed with code ${stream.rstCode}`), target.name, signal));
    });
    writeBody(stream, request.body);
  });
}

function requestHeaders(request: UpstreamRequest, scheme: string): http2.OutgoingHttpHeaders {
  const headers: http2.OutgoingHttpHeaders = {
    ...request.headers,
    ':method': request.method, ':path': request.path, ':authority': request.authority, ':scheme': scheme,
  };
  if (request.origProto !== undefined) headers['l5d-orig-proto'] = request.origProto;
  return headers;
}

function withoutPseudo(headers: H2Headers): H2Headers {
  const out: H2Headers = {};
  for (const [name, value] of Object.entries(headers)) if (!name.startsWith(':')) out[name] = value;
  return out;
}

function writeBody(stream: ClientHttp2Stream, body: UpstreamRequest['body']): void {
  if (body === undefined) return;
  if (Buffer.isBuffer(body)) stream.end(body);
  else {
    body.on('error', (error) => stream.destroy(error));
    body.pipe(stream);
  }
}
