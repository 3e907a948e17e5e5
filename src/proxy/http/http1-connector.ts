/**
 * HTTP/1.1 to one plaintext endpoint, over a keep-alive pool of connections (node:http's Agent):
 * the inbound side's hop to the application, and the outbound side's hop to an endpoint that is
 * not meshed.
 *
 * Contract: see upstream.ts. A connection that is not established within `connectTimeoutMs`
 * fails the request with `connect-failed`; a pooled connection is reused without that wait.
 * `close` is graceful: responses in flight finish, then every connection is closed.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { connectTimeout, sendFailure } from './connect-errors.js';
import type { HttpConnector, UpstreamRequest, UpstreamResponse } from './upstream.js';

export interface Http1Target {
  readonly host: string;
  readonly port: number;
  readonly connectTimeoutMs: number;
  /** Local address to connect from (tests on 127.0.0.0/8 give each "pod" its own). */
  readonly localAddress?: string;
}

export function http1Connector(target: Http1Target): HttpConnector {
  const agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 10_000, scheduling: 'lifo' });
  const name = `${target.host}:${target.port}`;
  let inFlight = 0;
  let closing = false;
  const settle = (): void => {
    inFlight -= 1;
    if (closing && inFlight === 0) agent.destroy();
  };
  return {
    send: async (request, signal) => {
      inFlight += 1;
      try {
        const response = await send(agent, target, name, request, signal);
        response.body.once('close', settle);
        return response;
      } catch (error) {
        settle();
        throw error;
      }
    },
    close: () => {
      closing = true;
      if (inFlight === 0) agent.destroy();
    },
  };
}

function send(agent: http.Agent, target: Http1Target, name: string, request: UpstreamRequest, signal: AbortSignal): Promise<UpstreamResponse> {
  return new Promise<UpstreamResponse>((resolve, reject) => {
    const out = http.request({
      agent, host: target.host, port: target.port, method: request.method, path: request.path,
      headers: { ...request.headers, host: request.authority }, localAddress: target.localAddress, setHost: false,
    });
    const fail = (error: unknown): void => {
      reject(sendFailure(error, name, signal));
      out.destroy();
    };
    const onAbort = (): void => fail(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    out.once('socket', (socket: Socket) => watchConnect(socket, target, name, fail));
    out.once('error', fail);
    out.once('response', (response) => {
      signal.removeEventListener('abort', onAbort);
      signal.addEventListener('abort', () => response.destroy(signal.reason instanceof Error ? signal.reason : undefined), { once: true });
      resolve({ status: response.statusCode ?? 502, headers: response.headers, body: response, trailers: () => response.trailers });
    });
    writeBody(out, request.body);
  });
}

function watchConnect(socket: Socket, target: Http1Target, name: string, fail: (error: unknown) => void): void {
  if (!socket.connecting) return;
  const timer = setTimeout(() => fail(connectTimeout(name, target.connectTimeoutMs)), target.connectTimeoutMs);
  socket.once('connect', () => clearTimeout(timer));
  socket.once('close', () => clearTimeout(timer));
}

function writeBody(out: http.ClientRequest, body: UpstreamRequest['body']): void {
  if (body === undefined) out.end();
  else if (Buffer.isBuffer(body)) out.end(body);
  else {
    body.on('error', (error) => out.destroy(error));
    body.pipe(out);
  }
}
