/**
 * The tap server's contract: the request it takes and the events it streams, shared by the tap
 * server (`sinew viz tap-server`), the CLI (`viz tap`, `viz top`) and the dashboard.
 *
 * HTTP: `POST /apis/tap.linkerd.io/v1alpha1/watch/namespaces/{ns}/{type}/{name}/tap` (or
 * `…/watch/namespaces/{ns}/tap` for a whole namespace) with a JSON body `TapRequestBody`; the
 * answer is `application/x-ndjson`, one `TapEvent` per line, until the limit is reached, the
 * client goes away, or every tapped proxy is gone. A malformed request gets 400 `{ "error": "…" }`
 * naming the field; a resource with no meshed pods 404. Field names here are fixed: the dashboard
 * reads them.
 *
 * An event is Linkerd's `linkerd viz tap -o json` record: the peers with their metadata (the
 * reporting proxy's `tls` label, `client_id`/`server_id`, and the Kubernetes labels the tap server
 * adds: `pod`, `namespace`, `deployment`, …), the direction, and exactly one of the three HTTP
 * events. Durations are protobuf durations (`{ seconds, nanos }`), as Linkerd prints them.
 */
import { z } from 'zod';

/** The body of a tap request. Every filter is optional; `maxRps` defaults to 100 (Linkerd's). */
export const tapRequestBodySchema = z.object({
  /** Requests whose path starts with this. */
  path: z.string().optional(),
  /** Requests with this HTTP method (any token, e.g. GET). */
  method: z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP method token').optional(),
  /** Requests with exactly this :authority. */
  authority: z.string().optional(),
  /** Requests with this scheme (http or https). */
  scheme: z.string().regex(/^[A-Za-z][A-Za-z0-9+.-]*$/, 'must be a URI scheme').optional(),
  /** Only requests to this resource (`deploy/web`, `ns/shop`, `po/web-1`, …). */
  toResource: z.string().min(1).optional(),
  /** The namespace of `toResource` (default: the tapped resource's). */
  toNamespace: z.string().min(1).optional(),
  /** At most this many requests per second, over all tapped pods together. */
  maxRps: z.number().positive().max(100_000).optional(),
  /** Stop after this many requests (their three events each). */
  limit: z.number().int().positive().max(1_000_000).optional(),
  /** Include request and response headers and trailers (as `-o json` does). */
  extract: z.boolean().optional(),
}).strict();
export type TapRequestBody = z.infer<typeof tapRequestBodySchema>;

export const tapDurationSchema = z.object({ seconds: z.number(), nanos: z.number() });
export type TapDuration = z.infer<typeof tapDurationSchema>;

export const tapEndpointSchema = z.object({
  ip: z.string(),
  port: z.number(),
  metadata: z.record(z.string(), z.string()),
});
export type TapEndpoint = z.infer<typeof tapEndpointSchema>;

export const tapStreamIdSchema = z.object({ base: z.number(), stream: z.number() });
export type TapStreamId = z.infer<typeof tapStreamIdSchema>;

/** A header: its value as text when it is UTF-8, else base64 in `valueBin` (Linkerd's JSON). */
export const tapHeaderSchema = z.union([
  z.object({ name: z.string(), valueStr: z.string() }),
  z.object({ name: z.string(), valueBin: z.string() }),
]);
export type TapHeader = z.infer<typeof tapHeaderSchema>;

export const tapRequestInitSchema = z.object({
  id: tapStreamIdSchema,
  method: z.string(),
  scheme: z.string(),
  authority: z.string(),
  path: z.string(),
  headers: z.array(tapHeaderSchema).optional(),
});

export const tapResponseInitSchema = z.object({
  id: tapStreamIdSchema,
  sinceRequestInit: tapDurationSchema,
  httpStatus: z.number(),
  headers: z.array(tapHeaderSchema).optional(),
});

export const tapResponseEndSchema = z.object({
  id: tapStreamIdSchema,
  sinceRequestInit: tapDurationSchema,
  sinceResponseInit: tapDurationSchema,
  responseBytes: z.number(),
  /** Set when the stream ended with a gRPC status. */
  grpcStatusCode: z.number().optional(),
  /** Set when the stream was reset (HTTP/2 error code). */
  resetErrorCode: z.number().optional(),
  trailers: z.array(tapHeaderSchema).optional(),
});

export const proxyDirections = ['INBOUND', 'OUTBOUND', 'UNKNOWN'] as const;

export const tapEventSchema = z.object({
  source: tapEndpointSchema,
  destination: tapEndpointSchema,
  routeMeta: z.record(z.string(), z.string()),
  proxyDirection: z.enum(proxyDirections),
  requestInitEvent: tapRequestInitSchema.optional(),
  responseInitEvent: tapResponseInitSchema.optional(),
  responseEndEvent: tapResponseEndSchema.optional(),
});
export type TapEvent = z.infer<typeof tapEventSchema>;
export type TapRequestInit = z.infer<typeof tapRequestInitSchema>;
export type TapResponseInit = z.infer<typeof tapResponseInitSchema>;
export type TapResponseEnd = z.infer<typeof tapResponseEndSchema>;

/** The tap server's path for a resource (`type` as Linkerd's plural or singular name, `name` '' for a namespace). */
export function tapPath(namespace: string, type: string, name: string): string {
  const base = `/apis/tap.linkerd.io/v1alpha1/watch/namespaces/${encodeURIComponent(namespace)}`;
  return type === 'namespace' || type === 'namespaces' || type === 'ns'
    ? `${base}/tap` : `${base}/${encodeURIComponent(type)}/${encodeURIComponent(name)}/tap`;
}

/** A duration in whole microseconds. */
export function durationMicros(duration: TapDuration): number {
  return Math.floor(duration.seconds * 1e6 + duration.nanos / 1e3);
}

const grpcCodeNames = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied',
  'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable',
  'DataLoss', 'Unauthenticated',
];

/** A gRPC status code as Linkerd's CLI names it (`OK`, `NotFound`, …; `Code(n)` for others). */
export function grpcCodeName(code: number): string {
  return grpcCodeNames[code] ?? `Code(${code})`;
}

const shortKinds: Readonly<Record<string, string>> = {
  deployment: 'deploy', pod: 'po', namespace: 'ns', statefulset: 'sts', daemonset: 'ds', replicaset: 'rs',
  replicationcontroller: 'rc', job: 'job', cronjob: 'cj', service: 'svc',
};

function addressText(endpoint: TapEndpoint): string {
  return endpoint.ip.includes(':') ? `[${endpoint.ip}]:${endpoint.port}` : `${endpoint.ip}:${endpoint.port}`;
}

function flowText(event: TapEvent): string {
  const direction = event.proxyDirection === 'INBOUND' ? 'in ' : event.proxyDirection === 'OUTBOUND' ? 'out' : '???';
  const tls = event.proxyDirection === 'INBOUND' ? event.source.metadata.tls
    : event.proxyDirection === 'OUTBOUND' ? event.destination.metadata.tls : undefined;
  return `proxy=${direction} src=${addressText(event.source)} dst=${addressText(event.destination)} tls=${tls ?? ''}`;
}

/** The `-o wide` suffix: each peer's resource of `kind` (or its pod) and namespace, then the route labels. */
function resourcesText(event: TapEvent, kind: string): string {
  const peer = (prefix: string, labels: Readonly<Record<string, string>>): string => {
    let text = '';
    const name = labels[kind];
    if (name !== undefined) text = ` ${prefix}_res=${shortKinds[kind] ?? kind}/${name}`;
    else if (labels.pod !== undefined) text = ` ${prefix}_pod=${labels.pod}`;
    if (kind !== 'namespace' && labels.namespace !== undefined) text += ` ${prefix}_ns=${labels.namespace}`;
    return text;
  };
  const routes = Object.entries(event.routeMeta).map(([key, value]) => ` rt_${key}=${value}`).join('');
  return `${peer('src', event.source.metadata)}${peer('dst', event.destination.metadata)}${routes}`;
}

/**
 * One event as Linkerd's `viz tap` prints it: `req id=…`, `rsp id=…` or `end id=…`. With
 * `wideKind` (the tapped resource's singular type, e.g. `deployment`), the `-o wide` columns follow.
 */
export function formatTapLine(event: TapEvent, wideKind?: string): string {
  const flow = flowText(event);
  const extra = wideKind === undefined ? '' : resourcesText(event, wideKind);
  const id = (value: TapStreamId): string => `${value.base}:${value.stream}`;
  const { requestInitEvent: req, responseInitEvent: rsp, responseEndEvent: end } = event;
  if (req !== undefined) {
    return `req id=${id(req.id)} ${flow} :method=${req.method} :authority=${req.authority} :path=${req.path}${extra}`;
  }
  if (rsp !== undefined) {
    return `rsp id=${id(rsp.id)} ${flow} :status=${rsp.httpStatus} latency=${durationMicros(rsp.sinceRequestInit)}µs${extra}`;
  }
  if (end !== undefined) {
    const eos = end.grpcStatusCode !== undefined ? ` grpc-status=${grpcCodeName(end.grpcStatusCode)}`
      : end.resetErrorCode !== undefined ? ` reset-error=${end.resetErrorCode}` : '';
    return `end id=${id(end.id)} ${flow}${eos} duration=${durationMicros(end.sinceResponseInit)}µs response-length=${end.responseBytes}B${extra}`;
  }
  return `unknown ${flow}`;
}
