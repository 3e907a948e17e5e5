/**
 * A proxy's TapEvent (protobuf, as decoded) as the tap server's JSON event (tap-event.ts), with
 * the peers' Kubernetes metadata added as Linkerd's tap server adds it: for the source, and for
 * the destination of an inbound event (the proxy reporting it is the destination's own), the pod
 * at that address gives `pod`, `namespace`, `serviceaccount` and one label per workload it belongs
 * to (`deployment`, `replicaset`, …). Labels the proxy sent win over added ones.
 *
 * Header values are text when they are UTF-8, else base64 (`valueBin`). Pure but for `podByIp`.
 */
import type { Duration__Output } from '../../gen/proto/google/protobuf/Duration.js';
import type { Headers__Output } from '../../gen/proto/io/linkerd/proxy/http_types/Headers.js';
import type { TcpAddress__Output } from '../../gen/proto/io/linkerd/proxy/net/TcpAddress.js';
import type { TapEvent__Output } from '../../gen/proto/io/linkerd/proxy/tap/TapEvent.js';
import { methodName, schemeName } from '../../proxy/tap/tap-proto.js';
import { fromIpAddress } from '../../streams/destination/ip-address.js';
import type { WorkloadPod } from '../workloads.js';
import type { TapDuration, TapEndpoint, TapEvent, TapHeader, TapStreamId } from './tap-event.js';

export type PodByIp = (ip: string) => WorkloadPod | undefined;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function duration(value: Duration__Output | null | undefined): TapDuration {
  return { seconds: Number(value?.seconds ?? 0), nanos: value?.nanos ?? 0 };
}

function headers(value: Headers__Output | null | undefined): TapHeader[] | undefined {
  if (value == null) return undefined;
  return value.headers.map((header) => {
    try {
      return { name: header.name, valueStr: utf8.decode(header.value) };
    } catch {
      return { name: header.name, valueBin: Buffer.from(header.value).toString('base64') };
    }
  });
}

function podLabels(pod: WorkloadPod | undefined): Record<string, string> {
  if (pod === undefined) return {};
  const labels: Record<string, string> = { namespace: pod.namespace, pod: pod.name, serviceaccount: pod.serviceAccount };
  for (const [type, name] of Object.entries(pod.owners)) if (name !== undefined) labels[type] = name;
  return labels;
}

function endpoint(address: TcpAddress__Output | null, labels: Readonly<Record<string, string>> | undefined, podByIp: PodByIp | undefined): TapEndpoint {
  const ip = fromIpAddress(address?.ip) ?? '';
  const added = podByIp === undefined || ip === '' ? {} : podLabels(podByIp(ip));
  return { ip, port: address?.port ?? 0, metadata: { ...added, ...labels } };
}

function streamId(id: { base: number; stream: string } | null | undefined): TapStreamId {
  return { base: id?.base ?? 0, stream: Number(id?.stream ?? 0) };
}

function optionalHeaders<K extends string>(key: K, value: Headers__Output | null | undefined): Partial<Record<K, TapHeader[]>> {
  const list = headers(value);
  return list === undefined ? {} : { [key]: list } as Partial<Record<K, TapHeader[]>>;
}

function httpPart(http: TapEvent__Output['http']): Pick<TapEvent, 'requestInitEvent' | 'responseInitEvent' | 'responseEndEvent'> {
  if (http?.event === 'request_init' && http.request_init != null) {
    const init = http.request_init;
    return {
      requestInitEvent: {
        id: streamId(init.id), method: methodName(init.method) ?? '', scheme: schemeName(init.scheme) ?? '',
        authority: init.authority, path: init.path, ...optionalHeaders('headers', init.headers),
      },
    };
  }
  if (http?.event === 'response_init' && http.response_init != null) {
    const init = http.response_init;
    return {
      responseInitEvent: {
        id: streamId(init.id), sinceRequestInit: duration(init.since_request_init), httpStatus: init.http_status,
        ...optionalHeaders('headers', init.headers),
      },
    };
  }
  if (http?.event === 'response_end' && http.response_end != null) {
    const end = http.response_end;
    const eos = end.eos;
    return {
      responseEndEvent: {
        id: streamId(end.id), sinceRequestInit: duration(end.since_request_init), sinceResponseInit: duration(end.since_response_init),
        responseBytes: Number(end.response_bytes),
        ...(eos?.end === 'grpc_status_code' ? { grpcStatusCode: eos.grpc_status_code ?? 0 } : {}),
        ...(eos?.end === 'reset_error_code' ? { resetErrorCode: eos.reset_error_code ?? 0 } : {}),
        ...optionalHeaders('trailers', end.trailers),
      },
    };
  }
  return {};
}

/** The JSON event for a proxy's event; undefined for an event without an HTTP part (nothing to show). */
export function tapEventJson(event: TapEvent__Output, podByIp?: PodByIp): TapEvent | undefined {
  const part = httpPart(event.http);
  if (part.requestInitEvent === undefined && part.responseInitEvent === undefined && part.responseEndEvent === undefined) return undefined;
  const inbound = event.proxy_direction === 'INBOUND';
  return {
    source: endpoint(event.source, event.source_meta?.labels, podByIp),
    destination: endpoint(event.destination, event.destination_meta?.labels, inbound ? podByIp : undefined),
    routeMeta: { ...event.route_meta?.labels },
    proxyDirection: event.proxy_direction,
    ...part,
  };
}
