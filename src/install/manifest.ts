/**
 * A Kubernetes object as `sinew install` renders it: plain JSON data with apiVersion, kind and
 * metadata, the rest of its fields as the API defines them. Rendering builds fresh objects every
 * time; nothing here is shared or mutated after it is returned.
 */
export type Labels = Readonly<Record<string, string>>;

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Labels;
  readonly annotations?: Labels;
}

export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly [field: string]: unknown;
}

/** What names an object for `kubectl delete`: its apiVersion, kind, name and namespace. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
}

export function refOf(object: Manifest): ObjectRef {
  const { name, namespace } = object.metadata;
  return { apiVersion: object.apiVersion, kind: object.kind, metadata: namespace === undefined ? { name } : { name, namespace } };
}

/** `kind/namespace/name`, or `kind/name` for a cluster-scoped object: for messages and tests. */
export function describeRef(object: ObjectRef): string {
  const { name, namespace } = object.metadata;
  return namespace === undefined ? `${object.kind}/${name}` : `${object.kind}/${namespace}/${name}`;
}

/** Linkerd's labels and annotations on the control plane's objects. */
export const labelNames = {
  controlPlaneNs: 'linkerd.io/control-plane-ns',
  controlPlaneComponent: 'linkerd.io/control-plane-component',
  isControlPlane: 'linkerd.io/is-control-plane',
  workloadNs: 'linkerd.io/workload-ns',
  admissionWebhooks: 'config.linkerd.io/admission-webhooks',
  createdBy: 'linkerd.io/created-by',
  inject: 'linkerd.io/inject',
  defaultInboundPolicy: 'config.linkerd.io/default-inbound-policy',
  opaquePorts: 'config.linkerd.io/opaque-ports',
} as const;

/** The control plane's components, by the value of `linkerd.io/control-plane-component`. */
export type ComponentName = 'destination' | 'identity' | 'proxy-injector' | 'controller';

export function componentLabels(namespace: string, component: ComponentName): Labels {
  return { [labelNames.controlPlaneComponent]: component, [labelNames.controlPlaneNs]: namespace };
}
