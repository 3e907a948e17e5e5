/**
 * Inbound HTTP: each request is authorized against the port's policy in force when it arrives
 * (route, then the route's authorizations), then sent to the application on the original port:
 * as HTTP/1 when the client spoke HTTP/1 or a meshed proxy carried HTTP/1 over HTTP/2
 * (`l5d-orig-proto`), else as HTTP/2.
 *
 * Headers: `l5d-client-id` is set to the client's verified identity for meshed clients and
 * removed otherwise, so an application can trust it; `l5d-orig-proto` is consumed here.
 * A denied request gets 403 (gRPC: PERMISSION_DENIED) and never reaches the application; a
 * request no route matches gets 404.
 */
import { authorizeRequest } from '../policy/inbound-authorizer.js';
import { splitTarget } from '../policy/request-facts.js';
import { type DownstreamRequest, type DownstreamResponse, hasBody, relayResponse, respondWithError } from '../http/downstream.js';
import { h2Connector } from '../http/h2-connector.js';
import { authorityOf, endToEndHeaders, headerLookup } from '../http/hop-headers.js';
import { http1Connector } from '../http/http1-connector.js';
import { answerLocally, applyFilters } from '../http/filter-actions.js';
import { asProxyError, isGrpcRequest, ProxyError } from '../http/proxy-error.js';
import type { HttpConnector } from '../http/upstream.js';
import net from 'node:net';
import { tapInbound } from '../tap/request-taps.js';
import type { TapRegistry } from '../tap/tap-registry.js';
import type { InboundConnection } from './inbound-connection.js';
import type { InboundPolicies } from './inbound-policies.js';
import type { InboundTelemetry } from './inbound-telemetry.js';

export interface InboundHttpContext {
  readonly policies: InboundPolicies;
  readonly forwardHost: string;
  readonly connectTimeoutMs: number;
  readonly telemetry: InboundTelemetry;
  /** Live taps (tap/): a request costs one read of `active` while none is. */
  readonly taps?: TapRegistry;
}

export interface InboundHttp {
  handle(request: DownstreamRequest, response: DownstreamResponse, connection: InboundConnection): void;
  close(): void;
}

export function inboundHttp(context: InboundHttpContext): InboundHttp {
  const h1 = new Map<number, HttpConnector>();
  const h2 = new Map<number, HttpConnector>();
  const connectorFor = (port: number, http1: boolean): HttpConnector => {
    const pool = http1 ? h1 : h2;
    let connector = pool.get(port);
    if (connector === undefined) {
      connector = http1
        ? http1Connector({ host: context.forwardHost, port, connectTimeoutMs: context.connectTimeoutMs })
        : h2Connector({
          name: `${context.forwardHost}:${port}`, scheme: 'http', connectTimeoutMs: context.connectTimeoutMs,
          connect: () => net.connect({ host: context.forwardHost, port, noDelay: true }),
        });
      pool.set(port, connector);
    }
    return connector;
  };
  return {
    handle: (request, response, connection) => void serve(request, response, connection, context, connectorFor),
    close: () => {
      for (const connector of [...h1.values(), ...h2.values()]) connector.close();
    },
  };
}

async function serve(request: DownstreamRequest, response: DownstreamResponse, connection: InboundConnection,
  context: InboundHttpContext, connectorFor: (port: number, http1: boolean) => HttpConnector): Promise<void> {
  const port = connection.target.port;
  const server = context.policies.server(port);
  const authority = authorityOf(request.headers) ?? '';
  const path = request.url ?? '/';
  const target = splitTarget(path);
  const verdict = authorizeRequest(server, connection.client, {
    method: request.method ?? 'GET', path: target.path, query: target.query, authority, headers: headerLookup(request.headers),
  });
  const exchange = context.telemetry.request(connection, verdict);
  const tap = context.taps?.active === true ? tapInbound(context.taps, request, connection) : undefined;
  if (!verdict.allowed) {
    const error = verdict.kind === 'no-route'
      ? new ProxyError('no-route', 'no route found for request')
      : new ProxyError('unauthorized', 'unauthorized request on route');
    respondWithError(request, response, error);
    exchange.failed(error);
    tap?.failed(error, isGrpcRequest(request.headers['content-type']));
    return;
  }
  const filtered = applyFilters(verdict.filters, endToEndHeaders(request.headers), Math.random);
  if (filtered.answer !== undefined) {
    answerLocally(response, filtered.answer);
    tap?.answered(filtered.answer.kind === 'http' ? filtered.answer.status : 200);
    exchange.responded(filtered.answer.kind === 'http' ? filtered.answer.status : 200);
    exchange.finished(undefined);
    return;
  }
  const origProto = request.headers['l5d-orig-proto'];
  const headers = filtered.headers;
  delete headers['l5d-orig-proto'];
  delete headers['l5d-client-id'];
  if (connection.client.tls.kind === 'mesh') headers['l5d-client-id'] = connection.client.tls.identity;
  const viaHttp1 = request.httpVersion.startsWith('1') || typeof origProto === 'string';
  const abort = new AbortController();
  response.once('close', () => { if (!response.writableFinished) abort.abort(new ProxyError('upstream-failed', 'client went away')); });
  try {
    const upstream = await connectorFor(port, viaHttp1).send({
      method: request.method ?? 'GET', path, authority, headers,
      body: hasBody(request) ? request : undefined,
    }, abort.signal);
    exchange.responded(upstream.status);
    tap?.relaying(upstream);
    await relayResponse(response, upstream);
    exchange.finished(upstream.trailers());
  } catch (error) {
    const failure = asProxyError(error);
    respondWithError(request, response, failure);
    exchange.failed(failure);
    tap?.failed(failure, isGrpcRequest(request.headers['content-type']));
  }
}
