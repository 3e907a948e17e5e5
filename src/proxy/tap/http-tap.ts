/**
 * One tapped request's events, sent to every session that claimed it: `request_init` when the tap
 * starts, `response_init` when the response head is known, `response_end` when its body ended
 * (with the bytes relayed and the gRPC status from the trailers, or from the head of a
 * trailers-only response) or broke (a reset code: INTERNAL_ERROR when the body failed, CANCEL when
 * it was abandoned).
 *
 * Contract: each claim gets exactly one `request_init`, at most one `response_init` and exactly one
 * `response_end`, in that order, then is released; whichever of `relaying`, `answered` and
 * `failed` comes first decides the response and later calls are ignored. Headers are built only
 * when a session asked for them. Latencies are measured from the tap's start.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Headers } from '../../gen/proto/io/linkerd/proxy/http_types/Headers.js';
import type { Eos } from '../../gen/proto/io/linkerd/proxy/tap/Eos.js';
import type { TapEvent } from '../../gen/proto/io/linkerd/proxy/tap/TapEvent.js';
import type { ProxyError } from '../http/proxy-error.js';
import type { UpstreamResponse } from '../http/upstream.js';
import type { TapClaim } from './tap-registry.js';
import { toDuration, toHeaders, toMethod, toScheme } from './tap-proto.js';

/** Everything of an event but the HTTP part: the peers, their metadata and the direction. */
export type TapEventBase = Omit<TapEvent, 'http' | 'event'>;

export interface TappedRequest {
  readonly method: string;
  readonly scheme: string | undefined;
  readonly authority: string | undefined;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly http2: boolean;
}

export interface HttpTap {
  /** The upstream's response is being relayed (call it before its body starts flowing). */
  relaying(upstream: UpstreamResponse): void;
  /** The proxy answered by itself with `status` (and no body worth counting). */
  answered(status: number, headers?: IncomingHttpHeaders): void;
  /** The request failed; `grpc` says whether the client is told through `grpc-status`. */
  failed(error: ProxyError, grpc: boolean): void;
}

const resetInternalError = 2;
const resetCancel = 8;

export function startHttpTap(claims: readonly TapClaim[], base: TapEventBase, request: TappedRequest): HttpTap {
  const started = performance.now();
  let responseAt: number | undefined;
  let done = false;
  const wantsHeaders = claims.some((claim) => claim.session.extractHeaders);
  const send = (build: (id: { base: number; stream: number }) => NonNullable<TapEvent['http']>): void => {
    for (const { session, id } of claims) session.send({ ...base, http: build({ base: session.base, stream: id }) });
  };
  const requestHeaders = wantsHeaders ? requestHeadersOf(request) : undefined;
  send((id) => ({
    request_init: {
      id, method: toMethod(request.method), ...(request.scheme === undefined ? {} : { scheme: toScheme(request.scheme) }),
      authority: request.authority ?? '', path: request.path, ...(requestHeaders === undefined ? {} : { headers: requestHeaders }),
    },
  }));
  const respond = (status: number, headers: IncomingHttpHeaders): void => {
    responseAt = performance.now();
    const extracted = wantsHeaders ? toHeaders(headers, request.http2 ? [[':status', String(status)]] : []) : undefined;
    send((id) => ({
      response_init: { id, since_request_init: toDuration(responseAt! - started), http_status: status, ...(extracted === undefined ? {} : { headers: extracted }) },
    }));
  };
  const end = (bytes: number, eos: Eos | undefined, trailers: IncomingHttpHeaders | undefined): void => {
    const now = performance.now();
    const extracted: Headers | undefined = wantsHeaders && trailers !== undefined ? toHeaders(trailers) : undefined;
    send((id) => ({
      response_end: {
        id, since_request_init: toDuration(now - started), since_response_init: toDuration(now - (responseAt ?? now)),
        response_bytes: bytes, ...(eos === undefined ? {} : { eos }), ...(extracted === undefined ? {} : { trailers: extracted }),
      },
    }));
    for (const claim of claims) claim.session.release();
  };
  return {
    relaying: (upstream) => {
      if (done) return;
      done = true;
      respond(upstream.status, upstream.headers);
      watchBody(upstream.body, (bytes, reset) => {
        const trailers = reset === undefined ? upstream.trailers() : undefined;
        end(bytes, reset !== undefined ? { reset_error_code: reset } : grpcEos(trailers ?? upstream.headers), trailers);
      });
    },
    answered: (status, headers = {}) => {
      if (done) return;
      done = true;
      respond(status, headers);
      end(0, grpcEos(headers), undefined);
    },
    failed: (error, grpc) => {
      if (done) return;
      done = true;
      respond(grpc ? 200 : error.response.httpStatus, {});
      end(0, grpc ? { grpc_status_code: error.response.grpcStatus } : undefined, undefined);
    },
  };
}

/** Counts the body's bytes as they pass; reports once, at its end or when it breaks. */
function watchBody(body: Readable, report: (bytes: number, reset: number | undefined) => void): void {
  let bytes = 0;
  let reported = false;
  const once = (reset: number | undefined): void => {
    if (reported) return;
    reported = true;
    body.off('data', count);
    report(bytes, reset);
  };
  const count = (chunk: Buffer | string): void => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
  };
  body.on('data', count);
  body.once('end', () => once(undefined));
  body.once('error', () => once(resetInternalError));
  body.once('close', () => once(body.readableEnded ? undefined : resetCancel));
}

function grpcEos(headers: IncomingHttpHeaders | undefined): Eos | undefined {
  const value = headers?.['grpc-status'];
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) return undefined;
  return { grpc_status_code: Number(value) };
}

function requestHeadersOf(request: TappedRequest): Headers {
  const pseudo: [string, string][] = request.http2
    ? [[':method', request.method], [':scheme', request.scheme ?? ''], [':authority', request.authority ?? ''], [':path', request.path]]
    : [];
  return toHeaders(request.headers, pseudo);
}
