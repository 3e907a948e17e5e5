/**
 * What an OutboundPolicies request asks about (`TrafficSpec`), checked and resolved.
 *
 * - `source_workload`: the client, as JSON `{"ns": …, "pod": …}` (or `external_workload`) or the
 *   legacy `<ns>:<pod>`; its namespace selects consumer routes. Required, as in Linkerd.
 * - `authority`: `<service>.<namespace>.svc.<cluster-domain>[:port]` (port 80 by default), parsed as
 *   Destination parses it (src/streams/destination/authority.ts); a pod hostname authority is
 *   refused, since outbound policy is per Service.
 * - `addr`: an IP and port. A Service's cluster IP means that Service. An address outside the
 *   cluster's networks gets the egress fallback (forward to it as it is). Any other address in the
 *   cluster's networks (a pod IP, an unknown IP) is NOT_FOUND, as Linkerd answers, and the proxy
 *   falls back to its own default.
 * Malformed requests are INVALID_ARGUMENT naming the problem; a Service that does not exist is
 * NOT_FOUND.
 */
import net from 'node:net';
import { z } from 'zod';
import type { TcpAddress } from '../../gen/proto/io/linkerd/proxy/net/TcpAddress.js';
import type { TrafficSpec__Output } from '../../gen/proto/io/linkerd/proxy/outbound/TrafficSpec.js';
import { objectKey } from '../../informers/kind.js';
import type { Service } from '../../informers/kinds/service.js';
import type { ResourceId } from '../../informers/object.js';
import type { StoreView } from '../../store/store-view.js';
import { parseServiceAuthority } from '../destination/authority.js';
import { fromIpAddress, toIpAddress } from '../destination/ip-address.js';
import { InvalidArgumentError, NotFoundError } from '../grpc-errors.js';
import type { OutboundTarget } from './outbound-client-policy.js';

export type ResolvedTarget =
  | ({ readonly kind: 'service' } & OutboundTarget)
  | { readonly kind: 'fallback'; readonly address: TcpAddress };

const services = 'services' as ResourceId;

const workloadSchema = z.object({
  ns: z.string().min(1),
  pod: z.string().min(1).optional(),
  external_workload: z.string().min(1).optional(),
}).refine((workload) => workload.pod !== undefined || workload.external_workload !== undefined);

/** The client's namespace, from `source_workload`. */
export function sourceNamespace(workload: string): string {
  if (workload.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(workload);
    } catch {
      throw new InvalidArgumentError(`source_workload is not JSON: ${JSON.stringify(workload.slice(0, 100))}`);
    }
    const parsed = workloadSchema.safeParse(json);
    if (!parsed.success) throw new InvalidArgumentError('source_workload must be {"ns": "<namespace>", "pod": "<name>"}');
    return parsed.data.ns;
  }
  const colon = workload.indexOf(':');
  if (colon <= 0 || colon === workload.length - 1) {
    throw new InvalidArgumentError(`source_workload must be JSON {"ns","pod"} or <namespace>:<pod>, not ${JSON.stringify(workload.slice(0, 100))}`);
  }
  return workload.slice(0, colon);
}

/** A membership test for CIDRs such as `10.0.0.0/8` and `fd00::/8`; malformed entries are skipped. */
export interface TargetContext {
  readonly view: StoreView;
  readonly clusterDomain: string;
  readonly clusterNetworks: net.BlockList;
}

export function resolveTarget(spec: TrafficSpec__Output, context: TargetContext): ResolvedTarget {
  const clientNamespace = sourceNamespace(spec.source_workload);
  if (spec.target === 'authority' && spec.authority !== undefined) return byAuthority(spec.authority, clientNamespace, context);
  if (spec.target === 'addr' && spec.addr != null) {
    const ip = fromIpAddress(spec.addr.ip);
    if (ip === undefined) throw new InvalidArgumentError('addr has no IP address');
    const port = spec.addr.port;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidArgumentError(`port ${port} is not in 1-65535`);
    const service = context.view.byIndex<Service>('serviceIp', ip)[0];
    if (service !== undefined) return { kind: 'service', namespace: service.metadata.namespace, name: service.metadata.name, port, clientNamespace };
    if (context.clusterNetworks.check(ip, net.isIPv6(ip) ? 'ipv6' : 'ipv4')) throw new NotFoundError(`no Service has the cluster IP ${ip}`);
    return { kind: 'fallback', address: { ip: toIpAddress(ip), port } };
  }
  throw new InvalidArgumentError('a target (addr or authority) is required');
}

function byAuthority(authority: string, clientNamespace: string, context: TargetContext): ResolvedTarget {
  const parsed = parseServiceAuthority(authority, context.clusterDomain);
  if (parsed.hostname !== undefined) throw new InvalidArgumentError(`${JSON.stringify(authority)} names one pod; outbound policy is per Service`);
  if (context.view.get(objectKey(services, parsed.namespace, parsed.service)) === undefined) {
    throw new NotFoundError(`service ${parsed.namespace}/${parsed.service} not found`);
  }
  return { kind: 'service', namespace: parsed.namespace, name: parsed.service, port: parsed.port, clientNamespace };
}
