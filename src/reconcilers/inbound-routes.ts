/**
 * Inbound routes: the HTTPRoutes (Linkerd's and Gateway API's) and GRPCRoutes whose parentRefs name
 * a Server, with the AuthorizationPolicies that target each route.
 *
 * Fail closed: a route that is attached but invalid, or uses a filter the inbound proxy does not
 * apply, contributes no rules (its requests find no route and are refused) and still counts as
 * attached, so the Server does not fall back to its default routes. A route whose spec did not
 * parse at all may be attached to any Server in its namespace, so it counts as attached to all
 * of them. Routes are ordered oldest first, then by name.
 */
import { isInvalid } from '../informers/fail-closed.js';
import type { AuthorizationPolicy } from '../informers/kinds/authorization-policy.js';
import type { GrpcRoute } from '../informers/kinds/grpc-route.js';
import type { HttpRouteRule, ParentRef, RouteSalvage } from '../informers/kinds/http-route-spec.js';
import type { ProjectedObject, ResourceId } from '../informers/object.js';
import type { StoreView } from '../store/store-view.js';
import { authorizationPolicyRef, fromAuthorizationPolicy, policyGroup, resourceRef } from './client-authorizations.js';
import type { Authorization, InboundGrpcRoute, InboundHttpFilter, InboundHttpRoute, PolicyNote, PolicyRef } from './inbound-model.js';
import type { MeshConfig } from './mesh-config.js';
import { grpcMatch, httpMatch, requestRedirect, RouteTranslationError } from './route-parts.js';

export const gatewayGroup = 'gateway.networking.k8s.io';
export const linkerdHttpRoutes = 'httproutes.policy.linkerd.io' as ResourceId;
export const gatewayHttpRoutes = 'httproutes.gateway.networking.k8s.io' as ResourceId;
export const grpcRoutes = 'grpcroutes.gateway.networking.k8s.io' as ResourceId;
const authorizationPolicies = 'authorizationpolicies.policy.linkerd.io' as ResourceId;

interface RouteObject extends ProjectedObject {
  readonly invalid?: string;
  readonly salvaged?: unknown;
  readonly spec?: { readonly parentRefs?: readonly ParentRef[] | undefined };
}

/** A route's parents: its own, or for an invalid route the salvaged ones (`undefined` when it cannot say). */
function parentsOf(route: RouteObject): readonly ParentRef[] | undefined {
  if (route.spec !== undefined) return route.spec.parentRefs ?? [];
  return (route.salvaged as RouteSalvage | undefined)?.spec.parentRefs;
}

/** Whether a route names the Server as a parent (`undefined` when the route is invalid and cannot say). */
export function routeParentsServer(route: RouteObject, serverName: string): boolean | undefined {
  return routeServerNames(route)?.includes(serverName);
}

/** The Servers in a namespace a route attaches to: named ones, or `undefined` for "any" (invalid route). */
export function routeServerNames(route: RouteObject): readonly string[] | undefined {
  const namespace = route.metadata.namespace;
  return parentsOf(route)
    ?.filter((parent) => parent.kind === 'Server' && (parent.group ?? policyGroup) === policyGroup && (parent.namespace ?? namespace) === namespace)
    .map((parent) => parent.name);
}

function byAge(a: RouteObject, b: RouteObject): number {
  const at = a.metadata.creationTimestamp ?? '';
  const bt = b.metadata.creationTimestamp ?? '';
  return at < bt ? -1 : at > bt ? 1 : a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

export interface AttachedRoutes<R> {
  /** Whether any route is attached, valid or not: if so the Server gets no default routes. */
  readonly attached: boolean;
  readonly routes: readonly R[];
  readonly notes: readonly PolicyNote[];
}

/** Route authorizations: AuthorizationPolicies in the route's namespace that target it. */
function routeAuthorizations(view: StoreView, config: MeshConfig, group: string, kind: string, namespace: string, name: string,
  notes: PolicyNote[]): Authorization[] {
  const out: Authorization[] = [];
  for (const policy of view.list<AuthorizationPolicy>(authorizationPolicies, namespace)) {
    if (isInvalid(policy)) continue;
    const target = policy.spec.targetRef;
    if (target.kind !== kind || (target.group ?? '') !== group || target.name !== name || (target.namespace ?? namespace) !== namespace) continue;
    const translated = fromAuthorizationPolicy(view, policy, config);
    if (translated.ok) {
      out.push(translated.authorization);
      notes.push({ ref: authorizationPolicyRef(policy), applied: true, reason: `authorizes requests on ${kind} ${name}` });
    } else {
      notes.push({ ref: authorizationPolicyRef(policy), applied: false, reason: `targets ${kind} ${name} but grants nothing: ${translated.reason}` });
    }
  }
  return out;
}

export function inboundHttpRoutes(view: StoreView, config: MeshConfig, namespace: string, serverName: string): AttachedRoutes<InboundHttpRoute> {
  const notes: PolicyNote[] = [];
  const routes: InboundHttpRoute[] = [];
  let attached = false;
  const candidates: { route: RouteObject & { spec?: { hostnames?: readonly string[]; rules?: readonly HttpRouteRule[] } }; group: string }[] = [
    ...view.list<RouteObject>(linkerdHttpRoutes, namespace).map((route) => ({ route, group: policyGroup })),
    ...view.list<RouteObject>(gatewayHttpRoutes, namespace).map((route) => ({ route, group: gatewayGroup })),
  ];
  candidates.sort((a, b) => byAge(a.route, b.route));
  for (const { route, group } of candidates) {
    const parents = routeParentsServer(route, serverName);
    if (parents === false) continue;
    attached = true;
    const ref = resourceRef('HTTPRoute', namespace, route.metadata.name, group);
    if (route.spec === undefined) {
      const how = parents === undefined ? 'may be' : 'is';
      notes.push({ ref, applied: false, reason: `invalid (${route.invalid ?? 'unreadable'}); it ${how} attached to this Server, so its requests are refused and default routes are off` });
      continue;
    }
    const rules = translateRules(route.spec.rules ?? []);
    if (typeof rules === 'string') {
      notes.push({ ref, applied: false, reason: `not applied: ${rules}; its requests are refused and default routes are off` });
      continue;
    }
    const authorizations = routeAuthorizations(view, config, group, 'HTTPRoute', namespace, route.metadata.name, notes);
    routes.push({ ref, hosts: route.spec.hostnames ?? [], rules, authorizations });
    notes.push({ ref, applied: true, reason: `route on Server ${serverName}` });
  }
  return { attached, routes, notes };
}

/**
 * The rules as the inbound proxy will take them, or why it could not: a filter inbound routes do
 * not apply, or a match or redirect the proxy API cannot carry (checked by converting it, with the
 * same code the message is built with).
 */
function translateRules(rules: readonly HttpRouteRule[]): InboundHttpRoute['rules'] | string {
  const out: InboundHttpRoute['rules'][number][] = [];
  for (const [index, rule] of (rules.length === 0 ? [{}] : rules).entries()) {
    const where = `rules[${index}]`;
    const filters: InboundHttpFilter[] = [];
    const matches = (rule as HttpRouteRule).matches ?? [];
    try {
      matches.forEach((match, i) => httpMatch(match, `${where}.matches[${i}]`));
      for (const filter of (rule as HttpRouteRule).filters ?? []) {
        if (filter.type === 'RequestHeaderModifier') filters.push({ kind: 'requestHeaderModifier', modifier: filter.requestHeaderModifier });
        else if (filter.type === 'RequestRedirect') {
          requestRedirect(filter.requestRedirect);
          filters.push({ kind: 'redirect', redirect: filter.requestRedirect });
        } else return `${where} uses a ${filter.type} filter, which inbound routes do not apply`;
      }
    } catch (error) {
      if (error instanceof RouteTranslationError) return error.message;
      throw error;
    }
    out.push({ matches, filters });
  }
  return out;
}

export function inboundGrpcRoutes(view: StoreView, config: MeshConfig, namespace: string, serverName: string): AttachedRoutes<InboundGrpcRoute> {
  const notes: PolicyNote[] = [];
  const routes: InboundGrpcRoute[] = [];
  let attached = false;
  const candidates = [...view.list<GrpcRoute>(grpcRoutes, namespace)].sort(byAge);
  for (const route of candidates) {
    const parents = routeParentsServer(route, serverName);
    if (parents === false) continue;
    attached = true;
    const ref: PolicyRef = resourceRef('GRPCRoute', namespace, route.metadata.name, gatewayGroup);
    if (isInvalid(route)) {
      notes.push({ ref, applied: false, reason: `invalid (${route.invalid}); it may be attached to this Server, so its requests are refused and default routes are off` });
      continue;
    }
    const rules: InboundGrpcRoute['rules'][number][] = [];
    let unsupported: string | undefined;
    for (const [index, rule] of (route.spec.rules ?? [{}]).entries()) {
      const filters: InboundHttpFilter[] = [];
      for (const filter of rule.filters ?? []) {
        if (filter.type === 'RequestHeaderModifier') filters.push({ kind: 'requestHeaderModifier', modifier: filter.requestHeaderModifier });
        else unsupported ??= `rules[${index}] uses a ${filter.type} filter, which inbound routes do not apply`;
      }
      try {
        (rule.matches ?? []).forEach((match, i) => grpcMatch(match, `rules[${index}].matches[${i}]`));
      } catch (error) {
        if (!(error instanceof RouteTranslationError)) throw error;
        unsupported ??= error.message;
      }
      rules.push({ matches: rule.matches ?? [], filters });
    }
    if (unsupported !== undefined) {
      notes.push({ ref, applied: false, reason: `not applied: ${unsupported}; its requests are refused and default routes are off` });
      continue;
    }
    const authorizations = routeAuthorizations(view, config, gatewayGroup, 'GRPCRoute', namespace, route.metadata.name, notes);
    routes.push({ ref, hosts: route.spec.hostnames ?? [], rules, authorizations });
    notes.push({ ref, applied: true, reason: `route on Server ${serverName}` });
  }
  return { attached, routes, notes };
}
