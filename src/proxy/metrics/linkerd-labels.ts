/**
 * Linkerd's proxy label groups, as label texts: direction and peer, the target address, TLS as
 * accepted or as connected, the policy objects (server, route, authorization), and the destination
 * labels from service discovery. Names, values and order follow linkerd2-proxy's output, so
 * Linkerd's dashboards and `linkerd viz` queries read Sinew's proxies unchanged.
 *
 * Contract: every builder returns a valid label text whatever strings it is given; destination
 * label keys are sanitised into label names, sorted, and de-duplicated (first key wins), so the
 * same map always gives the same series. Inbound HTTP series carry `authority` only when the
 * caller passes one: Linkerd leaves it out by default because clients choose it.
 */
import { type LabelSet, labelNameFrom, type LabelText, labelText } from './label-set.js';

export type Direction = 'inbound' | 'outbound';

export interface SocketTarget {
  readonly ip: string;
  readonly port: number;
}

/** TLS on a connection the proxy accepted. */
export type AcceptTls =
  | { readonly kind: 'established'; readonly clientId?: string }
  | { readonly kind: 'opaque'; readonly sni: string }
  | { readonly kind: 'disabled' }
  | { readonly kind: 'none'; readonly reason: 'loopback' | 'port_skipped' | 'no_tls_from_remote' };

/** TLS on a connection the proxy opened. */
export type ConnectTls =
  | { readonly kind: 'established'; readonly serverId: string }
  | { readonly kind: 'disabled' }
  | { readonly kind: 'none'; readonly reason: 'loopback' | 'not_provided_by_service_discovery' | 'ingress_without_override' };

/** A policy object (Server, HTTPRoute, AuthorizationPolicy, …) as the policy API names it. */
export interface PolicyRef {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
}

export interface ServerRef extends PolicyRef {
  readonly port: number;
}

export function directionLabels(direction: Direction): LabelText {
  return labelText([['direction', direction]]);
}

export function targetLabels(target: SocketTarget): LabelText {
  const addr = target.ip.includes(':') ? `[${target.ip}]:${target.port}` : `${target.ip}:${target.port}`;
  return labelText([['target_addr', addr], ['target_ip', target.ip], ['target_port', String(target.port)]]);
}

export function acceptTlsLabels(tls: AcceptTls): LabelText {
  switch (tls.kind) {
    case 'established': return labelText([['tls', 'true'], ['client_id', tls.clientId ?? '']]);
    case 'opaque': return labelText([['tls', 'opaque'], ['sni', tls.sni]]);
    case 'disabled': return labelText([['tls', 'disabled']]);
    case 'none': return labelText([['tls', 'no_identity'], ['no_tls_reason', tls.reason]]);
  }
}

export function connectTlsLabels(tls: ConnectTls): LabelText {
  switch (tls.kind) {
    case 'established': return labelText([['tls', 'true'], ['server_id', tls.serverId]]);
    case 'disabled': return labelText([['tls', 'disabled']]);
    case 'none': return labelText([['tls', 'no_identity'], ['no_tls_reason', tls.reason]]);
  }
}

export function serverLabels(server: ServerRef): LabelText {
  return labelText([
    ['srv_group', server.group], ['srv_kind', server.kind], ['srv_name', server.name], ['srv_port', String(server.port)],
  ]);
}

export function routeLabels(route: PolicyRef): LabelText {
  return labelText([['route_group', route.group], ['route_kind', route.kind], ['route_name', route.name]]);
}

export function authzLabels(authz: PolicyRef): LabelText {
  return labelText([['authz_group', authz.group], ['authz_kind', authz.kind], ['authz_name', authz.name]]);
}

/** `dst_*` labels from a Destination endpoint's metric_labels (and its address set's). */
export function dstLabels(metricLabels: Readonly<Record<string, string>>): LabelText {
  const named = new Map<string, string>();
  for (const key of Object.keys(metricLabels).sort()) {
    const name = `dst_${labelNameFrom(key)}`;
    if (!named.has(name)) named.set(name, metricLabels[key] as string);
  }
  return labelText([...named]);
}

/** Labels for a set of fixed values (build info); names are sanitised like destination keys. */
export function sanitisedLabels(values: Readonly<Record<string, string>>): LabelText {
  const set: LabelSet = Object.entries(values).map(([key, value]) => [labelNameFrom(key), value]);
  return labelText(set);
}

export function authorityLabels(authority: string | undefined): LabelText {
  return authority === undefined ? labelText([]) : labelText([['authority', authority]]);
}
