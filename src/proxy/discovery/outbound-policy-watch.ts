/**
 * The outbound policy for a target, kept current from OutboundPolicies.Watch. Every message is
 * the whole policy (whole-values.ts): the latest is in force, kept across reconnects, and an
 * unchanged one is not emitted twice.
 *
 * The target is the original destination address (`{ip, port}`, sent as `addr`) or a name
 * (`{authority}`); `workload` is the proxy's policy workload (`{"ns":…,"pod":…}`), sent as
 * `source_workload`. NOT_FOUND is terminal here, besides INVALID_ARGUMENT and
 * FAILED_PRECONDITION: the control plane says so for an address in the cluster's networks that is
 * no Service's, and for a Service deleted under the watch, and the proxy then falls back to its
 * own default (a DiscoveryRejectedError with `code` NOT_FOUND). A malformed target errors at once
 * with a DiscoveryTargetError. Each subscription opens its own call.
 */
import { status } from '@grpc/grpc-js';
import net from 'node:net';
import { type Observable, throwError } from 'rxjs';
import type { OutboundPoliciesClient } from '../../gen/proto/io/linkerd/proxy/outbound/OutboundPolicies.js';
import type { OutboundPolicy__Output } from '../../gen/proto/io/linkerd/proxy/outbound/OutboundPolicy.js';
import type { TrafficSpec } from '../../gen/proto/io/linkerd/proxy/outbound/TrafficSpec.js';
import { toIpAddress } from '../../streams/destination/ip-address.js';
import { DiscoveryTargetError } from './discovery-errors.js';
import { rejectedStatuses, resilientStream, type StreamSettings } from './resilient-stream.js';
import { wholeValues } from './whole-values.js';

export type OutboundTarget = { readonly ip: string; readonly port: number } | { readonly authority: string };

const outboundTerminal: ReadonlySet<status> = new Set([...rejectedStatuses, status.NOT_FOUND]);

export function watchOutboundPolicy(client: OutboundPoliciesClient, target: OutboundTarget, workload: string,
  settings: StreamSettings = {}): Observable<OutboundPolicy__Output> {
  const spec = trafficSpec(target, workload);
  if (spec instanceof DiscoveryTargetError) return throwError(() => spec);
  const described = 'authority' in target ? target.authority : `${net.isIPv6(target.ip) ? `[${target.ip}]` : target.ip}:${target.port}`;
  return resilientStream<OutboundPolicy__Output>(() => client.Watch(spec),
    { ...settings, rpc: 'OutboundPolicies.Watch', target: described, terminal: outboundTerminal }).pipe(wholeValues());
}

/** The request for a target, or what is wrong with it. */
export function trafficSpec(target: OutboundTarget, workload: string): TrafficSpec | DiscoveryTargetError {
  if (workload === '') return new DiscoveryTargetError('the policy workload is empty');
  if ('authority' in target) {
    if (target.authority === '') return new DiscoveryTargetError('the outbound authority is empty');
    return { source_workload: workload, authority: target.authority };
  }
  const ip = toIpAddress(target.ip);
  if (ip === undefined) return new DiscoveryTargetError(`outbound address ${JSON.stringify(target.ip)} is not an IP address`);
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
    return new DiscoveryTargetError(`outbound port ${target.port} is not a port number (1-65535)`);
  }
  return { source_workload: workload, addr: { ip, port: target.port } };
}
