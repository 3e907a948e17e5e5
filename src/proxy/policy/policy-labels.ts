/**
 * Who a policy decision is attributed to, as Linkerd's proxy names it in metrics: a resource
 * (`group`, `kind`, `name`, and outbound also `namespace`, `section`, `port`) or a default
 * (`group: ""`, `kind: default`, `name`).
 *
 * - `meta.Metadata` (routes, authorizations, outbound parents and backends) is required where the
 *   proxy requires it; a missing one is an InvalidPolicyError.
 * - An inbound Server carries only a label map (`group`, `kind`, `name`): the group defaults to
 *   `policy.linkerd.io` and the kind to `server` (for an authorization without metadata,
 *   `serverauthorization`); `{group: "", kind: "default"}` is a default; a missing `name` is invalid.
 *
 * Pure; the label objects are built once per message and shared by every verdict.
 */
import type { Metadata__Output } from '../../gen/proto/io/linkerd/proxy/meta/Metadata.js';
import { InvalidPolicyError } from './invalid-policy.js';

export interface PolicyMeta {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly section: string;
  /** 0 when none. */
  readonly port: number;
}

export function defaultMeta(name: string): PolicyMeta {
  return { group: '', kind: 'default', name, namespace: '', section: '', port: 0 };
}

export function metaOf(metadata: Metadata__Output | null | undefined, where: string): PolicyMeta {
  if (metadata === null || metadata === undefined) throw new InvalidPolicyError(`${where}.metadata: missing`);
  if (metadata.kind === 'default' || (metadata.kind === undefined && metadata.default !== undefined)) return defaultMeta(metadata.default ?? '');
  const resource = metadata.resource;
  if (resource === null || resource === undefined) throw new InvalidPolicyError(`${where}.metadata: neither a default nor a resource`);
  return {
    group: resource.group, kind: resource.kind, name: resource.name,
    namespace: resource.namespace, section: resource.section, port: resource.port,
  };
}

/** Linkerd's reading of a label map (see the module comment). */
export function metaFromLabels(labels: Readonly<Record<string, string>>, defaultGroup: string, defaultKind: string, where: string): PolicyMeta {
  const name = labels.name;
  if (name === undefined) throw new InvalidPolicyError(`${where}.labels: no "name" label`);
  const group = labels.group ?? defaultGroup;
  const kind = labels.kind;
  if (kind !== undefined) return group === '' && kind === 'default' ? defaultMeta(name) : { ...defaultMeta(name), group, kind };
  // Labels without a kind may say it in the name, as `kind:name`.
  const colon = name.indexOf(':');
  if (colon !== -1) return { ...defaultMeta(name.slice(colon + 1)), group, kind: name.slice(0, colon) };
  return { ...defaultMeta(name), group, kind: defaultKind };
}

export interface ServerLabels {
  readonly srv_group: string;
  readonly srv_kind: string;
  readonly srv_name: string;
  /** The port the client connected to, as text; empty when the caller did not say. */
  readonly srv_port: string;
}

export interface AuthzLabels {
  readonly authz_group: string;
  readonly authz_kind: string;
  readonly authz_name: string;
}

export interface InboundRouteLabels {
  readonly route_group: string;
  readonly route_kind: string;
  readonly route_name: string;
}

export function serverLabels(meta: PolicyMeta, port: number | undefined): ServerLabels {
  return { srv_group: meta.group, srv_kind: meta.kind, srv_name: meta.name, srv_port: port === undefined ? '' : String(port) };
}

export function authzLabels(meta: PolicyMeta): AuthzLabels {
  return { authz_group: meta.group, authz_kind: meta.kind, authz_name: meta.name };
}

export function inboundRouteLabels(meta: PolicyMeta): InboundRouteLabels {
  return { route_group: meta.group, route_kind: meta.kind, route_name: meta.name };
}

export interface OutboundRouteLabels {
  readonly parent_group: string;
  readonly parent_kind: string;
  readonly parent_namespace: string;
  readonly parent_name: string;
  readonly parent_port: string;
  readonly parent_section_name: string;
  readonly route_group: string;
  readonly route_kind: string;
  readonly route_namespace: string;
  readonly route_name: string;
}

export interface BackendLabels {
  readonly backend_group: string;
  readonly backend_kind: string;
  readonly backend_namespace: string;
  readonly backend_name: string;
  readonly backend_port: string;
  readonly backend_section_name: string;
}

/*
 * The combined label sets are written out field by field: object spread of these shapes is
 * pathologically slow in V8 (microseconds), and they are built for every request.
 */

export function connectionLabels(server: ServerLabels, authz: AuthzLabels): ServerLabels & AuthzLabels {
  return {
    srv_group: server.srv_group, srv_kind: server.srv_kind, srv_name: server.srv_name, srv_port: server.srv_port,
    authz_group: authz.authz_group, authz_kind: authz.authz_kind, authz_name: authz.authz_name,
  };
}

export function routeLabelsOf(server: ServerLabels, route: InboundRouteLabels): ServerLabels & InboundRouteLabels {
  return {
    srv_group: server.srv_group, srv_kind: server.srv_kind, srv_name: server.srv_name, srv_port: server.srv_port,
    route_group: route.route_group, route_kind: route.route_kind, route_name: route.route_name,
  };
}

export function requestLabels(server: ServerLabels, route: InboundRouteLabels, authz: AuthzLabels): ServerLabels & InboundRouteLabels & AuthzLabels {
  return {
    srv_group: server.srv_group, srv_kind: server.srv_kind, srv_name: server.srv_name, srv_port: server.srv_port,
    route_group: route.route_group, route_kind: route.route_kind, route_name: route.route_name,
    authz_group: authz.authz_group, authz_kind: authz.authz_kind, authz_name: authz.authz_name,
  };
}

const portText = (port: number): string => (port === 0 ? '' : String(port));

export function outboundRouteLabels(parent: PolicyMeta, route: PolicyMeta): OutboundRouteLabels {
  return {
    parent_group: parent.group, parent_kind: parent.kind, parent_namespace: parent.namespace, parent_name: parent.name,
    parent_port: portText(parent.port), parent_section_name: parent.section,
    route_group: route.group, route_kind: route.kind, route_namespace: route.namespace, route_name: route.name,
  };
}

export function backendLabels(backend: PolicyMeta): BackendLabels {
  return {
    backend_group: backend.group, backend_kind: backend.kind, backend_namespace: backend.namespace, backend_name: backend.name,
    backend_port: portText(backend.port), backend_section_name: backend.section,
  };
}
