/**
 * HTTP request metrics as Linkerd's proxy exports them: `request_total`, `response_total` and
 * `response_latency_ms` (and the same three with a `control_` prefix for the proxy's own calls to
 * the control plane), labelled by endpoint, plus `status_code` on responses and
 * `classification` with `grpc_status` or `error` on `response_total`.
 *
 * Contract: an endpoint handle is made once per endpoint (or per connection) and resolves its
 * label text then; per request, `request()` is one add, and `latency`/`response` are a small
 * integer computation, one Map lookup in the handle and one add. A handle caches at most 64
 * status/outcome series; beyond that (an upstream answering with many distinct codes) each call
 * resolves through the family, still capped. `release()` gives the series back, so they can be
 * swept once idle; calls after it are still counted.
 * A status code outside 100..999 is recorded without `status_code`; a gRPC status outside 0..16
 * is recorded as 2 (UNKNOWN), as gRPC clients read it. An `error` must be a fixed word chosen by
 * the proxy, never request data.
 */
import type { CounterFamily, CounterLease, HistogramFamily, HistogramLease } from './bounded-family.js';
import { joinLabels, type LabelText, labelText } from './label-set.js';
import {
  type AcceptTls, acceptTlsLabels, authorityLabels, authzLabels, type ConnectTls, connectTlsLabels, directionLabels,
  dstLabels, type PolicyRef, routeLabels, serverLabels, type ServerRef, type SocketTarget, targetLabels,
} from './linkerd-labels.js';
import type { MetricRegistry } from './metric-registry.js';

/** `response_latency_ms` bucket bounds in milliseconds: linkerd2-proxy's long-standing set. */
export const latencyBucketsMs: readonly number[] = [
  1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500,
  1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000, 40000, 50000,
];

export type HttpEndpointLabels =
  | {
    readonly direction: 'inbound';
    readonly target: SocketTarget;
    readonly tls: AcceptTls;
    /** Left out by default (clients choose it); pass it only when it is known to be bounded. */
    readonly authority?: string;
    readonly server?: ServerRef;
    readonly route?: PolicyRef;
    readonly authz?: PolicyRef;
  }
  | {
    readonly direction: 'outbound';
    readonly target: SocketTarget;
    readonly tls: ConnectTls;
    /** The logical target's authority, as resolved; never a request's Host as received. */
    readonly authority?: string;
    /** Destination metric_labels (namespace, service, pod, deployment, serviceaccount, …). */
    readonly dst?: Readonly<Record<string, string>>;
  };

export interface ControlClientLabels {
  /** The control-plane address the proxy connects to (host:port). */
  readonly addr: string;
  readonly tls: ConnectTls;
}

export interface ResponseOutcome {
  readonly statusCode?: number;
  readonly classification: 'success' | 'failure';
  readonly grpcStatus?: number;
  /** Why the response stream failed, when it did: a fixed word such as "i/o". */
  readonly error?: string;
}

export interface HttpEndpointMetrics {
  /** Counts a request when its stream begins. */
  request(): void;
  /** Records the time from the request's headers to the response's first byte (or its end). */
  latency(statusCode: number | undefined, ms: number): void;
  /** Counts a response when its stream ends. */
  response(outcome: ResponseOutcome): void;
  release(): void;
}

export interface HttpFamilies {
  readonly requests: CounterFamily;
  readonly responses: CounterFamily;
  readonly latency: HistogramFamily;
}

export function registerHttpFamilies(registry: MetricRegistry, prefix: '' | 'control_'): HttpFamilies {
  const whose = prefix === '' ? 'proxied HTTP' : 'control-plane';
  return {
    requests: registry.counter(`${prefix}request_total`, `Requests of ${whose} streams, counted as each request begins`),
    latency: registry.histogram(`${prefix}response_latency_ms`, `Milliseconds from a ${whose} request's headers to the first byte of its response`, latencyBucketsMs),
    responses: registry.counter(`${prefix}response_total`, `Responses of ${whose} streams, counted as each response ends, by status and classification`),
  };
}

export function httpEndpointLabels(labels: HttpEndpointLabels): LabelText {
  const common = [directionLabels(labels.direction), authorityLabels(labels.authority), targetLabels(labels.target)];
  if (labels.direction === 'inbound') {
    return joinLabels(
      ...common, acceptTlsLabels(labels.tls),
      labels.server === undefined ? labelText([]) : serverLabels(labels.server),
      labels.route === undefined ? labelText([]) : routeLabels(labels.route),
      labels.authz === undefined ? labelText([]) : authzLabels(labels.authz),
    );
  }
  return joinLabels(...common, connectTlsLabels(labels.tls), labels.dst === undefined ? labelText([]) : dstLabels(labels.dst));
}

export function controlClientLabels(labels: ControlClientLabels): LabelText {
  return joinLabels(labelText([['addr', labels.addr]]), connectTlsLabels(labels.tls));
}

export function httpEndpointMetrics(families: HttpFamilies, labels: LabelText): HttpEndpointMetrics {
  return new EndpointMetrics(families, labels);
}

const cachedPerEndpoint = 64;

class EndpointMetrics implements HttpEndpointMetrics {
  private readonly requests: CounterLease;
  private readonly latencies = new Map<number, HistogramLease>();
  private readonly responses = new Map<number | string, CounterLease>();
  private released = false;

  constructor(private readonly families: HttpFamilies, private readonly labels: LabelText) {
    this.requests = families.requests.lease(labels);
  }

  request(): void {
    this.requests.inc();
  }

  latency(statusCode: number | undefined, ms: number): void {
    const status = statusOf(statusCode);
    const cached = this.latencies.get(status);
    if (cached !== undefined) {
      cached.observe(ms);
      return;
    }
    const labels = joinLabels(this.labels, statusLabels(status));
    if (this.released || this.latencies.size >= cachedPerEndpoint) {
      this.families.latency.observe(labels, ms);
      return;
    }
    const lease = this.families.latency.lease(labels);
    this.latencies.set(status, lease);
    lease.observe(ms);
  }

  response(outcome: ResponseOutcome): void {
    const status = statusOf(outcome.statusCode);
    const failed = outcome.classification === 'failure' ? 1 : 0;
    const grpc = grpcSlot(outcome.grpcStatus);
    const key = outcome.error === undefined ? status * 64 + grpc * 2 + failed : `${status}|${failed}|${outcome.error}`;
    const cached = this.responses.get(key);
    if (cached !== undefined) {
      cached.inc();
      return;
    }
    const labels = joinLabels(this.labels, statusLabels(status), outcomeLabels(failed, grpc, outcome.error));
    if (this.released || this.responses.size >= cachedPerEndpoint) {
      this.families.responses.add(labels);
      return;
    }
    const lease = this.families.responses.lease(labels);
    this.responses.set(key, lease);
    lease.inc();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.requests.release();
    for (const lease of this.latencies.values()) lease.release();
    for (const lease of this.responses.values()) lease.release();
    this.latencies.clear();
    this.responses.clear();
  }
}

/** 0 when there is no usable status code. */
function statusOf(code: number | undefined): number {
  return code !== undefined && Number.isInteger(code) && code >= 100 && code <= 999 ? code : 0;
}

/** 0 when there is no gRPC status, else status + 1. */
function grpcSlot(status: number | undefined): number {
  if (status === undefined) return 0;
  return (Number.isInteger(status) && status >= 0 && status <= 16 ? status : 2) + 1;
}

function statusLabels(status: number): LabelText {
  return status === 0 ? labelText([]) : labelText([['status_code', String(status)]]);
}

function outcomeLabels(failed: number, grpc: number, error: string | undefined): LabelText {
  const classification = failed === 1 ? 'failure' : 'success';
  if (error !== undefined) return labelText([['classification', classification], ['error', error]]);
  if (grpc !== 0) return labelText([['classification', classification], ['grpc_status', String(grpc - 1)]]);
  return labelText([['classification', classification]]);
}
