/**
 * A service's endpoints as the proxy's data path uses them, and the fold of Destination.Get
 * updates into them.
 *
 * - Immutable: `applyUpdate` never changes its input; it returns a new EndpointSet (or the same
 *   one when the update changes nothing), so a balancer can swap the whole set at once.
 * - `add` upserts by `ip:port` (`[ip]:port` for IPv6) and marks the service as existing;
 *   `remove` deletes by address; `no_endpoints` empties the set and says whether the service
 *   exists (`exists: true` forbids a DNS fallback, DESIGN.md rule 7).
 * - An endpoint's labels are the set's `metric_labels` overlaid with its own.
 * - Bad addresses (no IP, a port outside 1-65535) and TLS identities without a name are skipped
 *   and reported through `problem`: an endpoint whose identity is unusable is never kept, so it
 *   can never be reached in plaintext.
 */
import net from 'node:net';
import type { Http2ClientParams__Output } from '../../gen/proto/io/linkerd/proxy/destination/Http2ClientParams.js';
import type { TlsIdentity__Output } from '../../gen/proto/io/linkerd/proxy/destination/TlsIdentity.js';
import type { Update__Output } from '../../gen/proto/io/linkerd/proxy/destination/Update.js';
import type { WeightedAddr__Output } from '../../gen/proto/io/linkerd/proxy/destination/WeightedAddr.js';
import type { TcpAddress__Output } from '../../gen/proto/io/linkerd/proxy/net/TcpAddress.js';
import { fromIpAddress } from '../../streams/destination/ip-address.js';

export interface EndpointTlsIdentity {
  /** The identity the endpoint's certificate must carry (a DNS-like name, or a URI). */
  readonly name: string;
  /** The TLS server name (SNI) to send. */
  readonly serverName: string;
}

export interface Endpoint {
  readonly key: string;
  readonly ip: string;
  readonly port: number;
  readonly weight: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly tlsIdentity?: EndpointTlsIdentity;
  readonly protocolHint?: 'h2' | 'opaque';
  /** The endpoint proxy's inbound port for opaque transport (an opaque_transport hint). */
  readonly opaqueTransportPort?: number;
  readonly http2ClientParams?: Http2ClientParams__Output;
  readonly authorityOverride?: string;
}

export interface EndpointSet {
  /** undefined until the control plane has answered. */
  readonly exists: boolean | undefined;
  readonly endpoints: ReadonlyMap<string, Endpoint>;
  /** The set's metric labels, from the last `add`. */
  readonly metricLabels: Readonly<Record<string, string>>;
}

export const unresolvedEndpointSet: EndpointSet = Object.freeze({ exists: undefined, endpoints: new Map(), metricLabels: Object.freeze({}) });

/** What the control plane answered for a service that does not exist. */
export const missingEndpointSet: EndpointSet = Object.freeze({ exists: false, endpoints: new Map(), metricLabels: Object.freeze({}) });

export function endpointKey(ip: string, port: number): string {
  return net.isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export type ProblemSink = (problem: string) => void;

export function applyUpdate(set: EndpointSet, update: Update__Output, problem: ProblemSink = () => undefined): EndpointSet {
  if (update.add != null) {
    const setLabels = Object.freeze({ ...update.add.metric_labels });
    const endpoints = new Map(set.endpoints);
    for (const addr of update.add.addrs) {
      const endpoint = endpointOf(addr, setLabels);
      if (typeof endpoint === 'string') problem(endpoint);
      else endpoints.set(endpoint.key, endpoint);
    }
    return Object.freeze({ exists: true, endpoints, metricLabels: setLabels });
  }
  if (update.remove != null) {
    const endpoints = new Map(set.endpoints);
    for (const addr of update.remove.addrs) {
      const address = addressOf(addr);
      if (typeof address === 'string') problem(`remove: ${address}`);
      else endpoints.delete(endpointKey(address.ip, address.port));
    }
    return endpoints.size === set.endpoints.size ? set : Object.freeze({ ...set, endpoints });
  }
  if (update.no_endpoints != null) {
    return Object.freeze({ exists: update.no_endpoints.exists, endpoints: new Map(), metricLabels: set.metricLabels });
  }
  problem('an Update with neither add, remove nor no_endpoints');
  return set;
}

/** The endpoint a WeightedAddr describes, or what is wrong with it. */
export function endpointOf(addr: WeightedAddr__Output, setLabels: Readonly<Record<string, string>>): Endpoint | string {
  const address = addressOf(addr.addr);
  if (typeof address === 'string') return address;
  const key = endpointKey(address.ip, address.port);
  const tlsIdentity = addr.tls_identity == null ? undefined : identityOf(addr.tls_identity);
  if (tlsIdentity === null) return `endpoint ${key} has a TLS identity without a name; skipped rather than reached without TLS`;
  const hint = addr.protocol_hint;
  const transportPort = hint?.opaque_transport?.inbound_port ?? 0;
  const authority = addr.authority_override?.authority_override ?? '';
  return Object.freeze({
    key, ip: address.ip, port: address.port, weight: addr.weight,
    labels: Object.freeze({ ...setLabels, ...addr.metric_labels }),
    ...(tlsIdentity === undefined ? {} : { tlsIdentity }),
    ...(hint?.protocol === undefined ? {} : { protocolHint: hint.protocol }),
    ...(transportPort > 0 ? { opaqueTransportPort: transportPort } : {}),
    ...(addr.http2 == null ? {} : { http2ClientParams: addr.http2 }),
    ...(authority === '' ? {} : { authorityOverride: authority }),
  });
}

function addressOf(addr: TcpAddress__Output | null): { ip: string; port: number } | string {
  const ip = fromIpAddress(addr?.ip);
  if (addr == null || ip === undefined) return 'an address without an IP';
  if (!Number.isInteger(addr.port) || addr.port < 1 || addr.port > 65535) return `address ${ip} has port ${addr.port}, not 1-65535`;
  return { ip, port: addr.port };
}

/** The identity to require, or null when the message names none. */
function identityOf(identity: TlsIdentity__Output): EndpointTlsIdentity | null {
  const name = identity.strategy === 'uri_like_identity' ? identity.uri_like_identity?.uri : identity.dns_like_identity?.name;
  if (name === undefined || name === '') return null;
  const serverName = identity.server_name?.name ?? '';
  return Object.freeze({ name, serverName: serverName === '' ? name : serverName });
}
