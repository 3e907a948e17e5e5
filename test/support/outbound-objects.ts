/**
 * Builders for the route objects outbound policy tests feed the engine: Linkerd's and Gateway
 * API's HTTPRoute and GRPCRoute, attached to a Service. Plain API JSON, like objects.ts.
 */
export interface RouteOptions {
  /** The parent Service; `namespace` defaults to the route's. */
  readonly parent: { readonly name: string; readonly namespace?: string; readonly port?: number };
  readonly rules?: readonly Record<string, unknown>[];
  readonly hostnames?: readonly string[];
  readonly annotations?: Record<string, string>;
  readonly creationTimestamp?: string;
}

function metadata(namespace: string, name: string, options: RouteOptions): Record<string, unknown> {
  return {
    name, namespace,
    ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
    ...(options.creationTimestamp === undefined ? {} : { creationTimestamp: options.creationTimestamp }),
  };
}

function spec(options: RouteOptions): Record<string, unknown> {
  const { parent } = options;
  return {
    parentRefs: [{
      group: 'core', kind: 'Service', name: parent.name,
      ...(parent.namespace === undefined ? {} : { namespace: parent.namespace }),
      ...(parent.port === undefined ? {} : { port: parent.port }),
    }],
    ...(options.hostnames === undefined ? {} : { hostnames: options.hostnames }),
    rules: options.rules ?? [{}],
  };
}

export function linkerdHttpRoute(namespace: string, name: string, options: RouteOptions): Record<string, unknown> {
  return { apiVersion: 'policy.linkerd.io/v1beta3', kind: 'HTTPRoute', metadata: metadata(namespace, name, options), spec: spec(options) };
}

export function gatewayHttpRoute(namespace: string, name: string, options: RouteOptions): Record<string, unknown> {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: metadata(namespace, name, options), spec: spec(options) };
}

export function grpcRoute(namespace: string, name: string, options: RouteOptions): Record<string, unknown> {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GRPCRoute', metadata: metadata(namespace, name, options), spec: spec(options) };
}

/** A Service backend reference. */
export function backendRef(name: string, port: number | undefined, weight?: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, ...(port === undefined ? {} : { port }), ...(weight === undefined ? {} : { weight }), ...extra };
}

/** Adds annotations to an object built elsewhere (a Service from objects.ts, say). */
export function annotated(object: Record<string, unknown>, annotations: Record<string, string>): Record<string, unknown> {
  const meta = object.metadata as Record<string, unknown>;
  return { ...object, metadata: { ...meta, annotations: { ...(meta.annotations as Record<string, string> | undefined), ...annotations } } };
}
