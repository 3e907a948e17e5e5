/**
 * Outbound HTTP: each request is routed on the target's latest policy when it arrives (a request
 * keeps the table it started on to the end, retries included; the next request sees the next
 * table), its filters applied, then sent to an endpoint of a backend the route picks, within the
 * route's timeouts and retries (retry-loop.ts).
 *
 * Protocols: a meshed endpoint gets the request over mutual TLS on HTTP/2 (an HTTP/1 request
 * carried with `l5d-orig-proto`); other endpoints get the client's own protocol. Errors the proxy
 * raises answer with Linkerd's statuses and an `l5d-proxy-error` header (proxy-error.ts).
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { Logger } from '../../observe/logger.js';
import type { Endpoint } from '../discovery/endpoint-set.js';
import { hostPortText } from '../host-port.js';
import { type DownstreamRequest, type DownstreamResponse, hasBody, relayResponse, respondWithError } from '../http/downstream.js';
import { answerLocally, applyFilters, type LocalAnswer } from '../http/filter-actions.js';
import { authorityOf, endToEndHeaders, headerLookup } from '../http/hop-headers.js';
import { asProxyError, isGrpcRequest, ProxyError } from '../http/proxy-error.js';
import { routeRequest, pickBackend, type RouteChoice } from '../policy/outbound-router.js';
import { splitTarget } from '../policy/request-facts.js';
import type { Pick } from '../balance/p2c-balancer.js';
import { RetryBudget } from '../balance/retry-budget.js';
import { dispatch, fixedPick } from './backend-dispatch.js';
import type { BalancedBackends } from './balanced-backends.js';
import type { EndpointTransport, HttpKind } from './endpoint-transport.js';
import { plainEndpoint, type OutboundConnection } from './outbound-connection.js';
import type { OutboundTargets } from './outbound-targets.js';
import type { OutboundExchange, OutboundTelemetry } from './outbound-telemetry.js';
import { type Attempt, sendWithRetries } from './retry-loop.js';
import { tapOutbound } from '../tap/request-taps.js';
import type { TapRegistry } from '../tap/tap-registry.js';

export interface OutboundHttpContext {
  readonly targets: OutboundTargets;
  readonly backends: BalancedBackends;
  readonly transport: EndpointTransport;
  readonly telemetry: OutboundTelemetry;
  readonly log: Logger;
  readonly random?: () => number;
  /** Live taps (tap/): a request costs one read of `active` while none is. */
  readonly taps?: TapRegistry;
}

export interface OutboundHttp {
  handle(request: DownstreamRequest, response: DownstreamResponse, connection: OutboundConnection): void;
  close(): void;
}

export function outboundHttp(context: OutboundHttpContext): OutboundHttp {
  const budgets = new Map<string, RetryBudget>();
  const budgetFor = (key: string): RetryBudget => {
    let budget = budgets.get(key);
    if (budget === undefined) {
      budget = new RetryBudget({});
      budgets.set(key, budget);
    }
    return budget;
  };
  return {
    handle: (request, response, connection) => {
      void serve(request, response, connection, context, budgetFor).catch((error: unknown) => {
        context.log.warn('outbound request failed unexpectedly', { error: String(error) });
        respondWithError(request, response, asProxyError(error));
      });
    },
    close: () => budgets.clear(),
  };
}

async function serve(request: DownstreamRequest, response: DownstreamResponse, connection: OutboundConnection,
  context: OutboundHttpContext, budgetFor: (key: string) => RetryBudget): Promise<void> {
  const random = context.random ?? Math.random;
  const resolution = context.targets.current(connection.target) ?? connection.resolution;
  const authority = authorityOf(request.headers) ?? hostPortText(connection.target);
  const kind: HttpKind = request.httpVersion.startsWith('1') ? 'http1' : 'h2';
  const exchange = context.telemetry.request(connection);
  const tap = context.taps?.active === true ? tapOutbound(context.taps, request, connection) : undefined;
  const url = splitTarget(request.url ?? '/');
  let headers: OutgoingHttpHeaders = endToEndHeaders(request.headers);
  let choice: RouteChoice | undefined;
  if (resolution.kind === 'policy') {
    const routed = routeRequest(resolution.policy, {
      method: request.method ?? 'GET', path: url.path, query: url.query, authority, headers: headerLookup(request.headers),
      protocol: kind === 'h2' ? 'http2' : 'http1',
    });
    if (routed.kind !== 'route') return fail(request, response, exchange, new ProxyError('no-route', routed.reason));
    choice = routed;
    const filtered = applyFilters(routed.filters, headers, random);
    if (filtered.answer !== undefined) return answerFromFilter(response, exchange, filtered.answer);
    headers = filtered.headers;
  }
  const abort = new AbortController();
  response.once('close', () => { if (!response.writableFinished) abort.abort(new ProxyError('upstream-failed', 'client went away')); });
  const timeoutMs = choice?.requestTimeoutMs;
  const timer = timeoutMs === undefined ? undefined
    : setTimeout(() => abort.abort(new ProxyError('response-timeout', `request timed out after ${timeoutMs} ms`)), timeoutMs);
  try {
    const attempt: Attempt = async (body, signal) => {
      const { pick, path } = choice === undefined ? { pick: fixedPick(directEndpoint(resolution)), path: undefined } : await pickFor(choice, context, random, signal);
      const { connector, meshed } = context.transport.http(pick.endpoint, kind);
      exchange.endpoint(pick.endpoint, meshed, path);
      tap?.endpoint(pick.endpoint, meshed);
      try {
        const upstream = await connector.send({
          method: request.method ?? 'GET', path: request.url ?? '/', authority, headers, body,
          ...(meshed && kind === 'http1' ? { origProto: `HTTP/${request.httpVersion}` } : {}),
        }, signal);
        pick.complete();
        return { upstream, end: (ok) => pick.end(ok ? 'success' : 'failure') };
      } catch (error) {
        pick.end('failure');
        throw error;
      }
    };
    const budget = budgetFor(hostPortText(connection.target));
    const result = await sendWithRetries(attempt, {
      body: hasBody(request) ? request : undefined, retry: choice?.retry, budget, signal: abort.signal,
      grpc: isGrpcRequest(request.headers['content-type']),
    });
    exchange.responded(result.upstream.status);
    tap?.relaying(result.upstream);
    await relayResponse(response, result.upstream, {});
    result.end(result.upstream.status < 500);
    exchange.finished(result.upstream.trailers());
  } catch (error) {
    const failure = asProxyError(abort.signal.aborted ? abort.signal.reason : error);
    fail(request, response, exchange, failure);
    tap?.failed(failure, isGrpcRequest(request.headers['content-type']));
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

async function pickFor(choice: RouteChoice, context: OutboundHttpContext, random: () => number, signal: AbortSignal): Promise<{ pick: Pick<Endpoint>; path: string | undefined }> {
  const backend = pickBackend(choice, random);
  if (backend === undefined) throw new ProxyError('no-endpoints', 'the route has no backends');
  const pick = await dispatch(backend, context.backends, signal);
  return { pick, path: backend.dispatcher.kind === 'balancer' ? backend.dispatcher.path : undefined };
}

function directEndpoint(resolution: OutboundConnection['resolution']): Endpoint {
  if (resolution.kind === 'endpoint') return resolution.endpoint;
  if (resolution.kind === 'direct') return plainEndpoint(resolution.address);
  throw new ProxyError('no-route', 'no route');
}

function fail(request: DownstreamRequest, response: DownstreamResponse, exchange: OutboundExchange, error: ProxyError): void {
  respondWithError(request, response, error);
  exchange.failed(error);
}

function answerFromFilter(response: DownstreamResponse, exchange: OutboundExchange, answer: LocalAnswer): void {
  answerLocally(response, answer);
  exchange.responded(answer.kind === 'http' ? answer.status : 200);
  exchange.finished(undefined);
}
