/**
 * The names Linkerd gives its control-plane objects, which Sinew's install keeps so that Linkerd's
 * tooling, docs and hints apply unchanged. Namespaced objects live in the control-plane namespace.
 */
export const linkerdConfigMap = 'linkerd-config';
export const trustRootsConfigMap = 'linkerd-identity-trust-roots';
export const trustRootsKey = 'ca-bundle.crt';
export const issuerSecret = 'linkerd-identity-issuer';

/** The control-plane Deployments, each with the ServiceAccount of the same name. */
export const controlPlaneDeployments = ['linkerd-destination', 'linkerd-identity', 'linkerd-proxy-injector'] as const;

/** Every control-plane object carries this label, its value the control-plane namespace. */
export const controlPlaneNsLabel = 'linkerd.io/control-plane-ns';
/** Control-plane Deployments and pods name their component with this label. */
export const controlPlaneComponentLabel = 'linkerd.io/control-plane-component';
/** Injected pods carry the proxy's version in this annotation. */
export const proxyVersionAnnotation = 'linkerd.io/proxy-version';
export const proxyContainerName = 'linkerd-proxy';
export const trustAnchorsEnv = 'LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS';

export interface WebhookNames {
  /** As the check's description names it: `proxy-injector`, `sp-validator`, `policy-validator`. */
  readonly component: string;
  readonly kind: 'mutating' | 'validating';
  readonly configuration: string;
  readonly secret: string;
  /** The Service the API server calls, whose DNS name the certificate must carry. */
  readonly service: string;
}

export const webhooks: readonly WebhookNames[] = [
  { component: 'proxy-injector', kind: 'mutating', configuration: 'linkerd-proxy-injector-webhook-config', secret: 'linkerd-proxy-injector-k8s-tls', service: 'linkerd-proxy-injector' },
  { component: 'sp-validator', kind: 'validating', configuration: 'linkerd-sp-validator-webhook-config', secret: 'linkerd-sp-validator-k8s-tls', service: 'linkerd-sp-validator' },
  { component: 'policy-validator', kind: 'validating', configuration: 'linkerd-policy-validator-webhook-config', secret: 'linkerd-policy-validator-k8s-tls', service: 'linkerd-policy-validator' },
];
