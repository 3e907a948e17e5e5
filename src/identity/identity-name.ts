/**
 * Names in Linkerd's identity scheme: a workload's identity
 * `<sa>.<ns>.serviceaccount.identity.<control-plane-ns>.<trust-domain>`, the issuer's name
 * `identity.<control-plane-ns>.<trust-domain>`, the trust anchor's conventional name
 * `root.<control-plane-ns>.<trust-domain>` (what Linkerd's docs create with `step`), and the
 * service account a TokenReview username `system:serviceaccount:<ns>:<sa>` names.
 *
 * Pure functions; the name parts are checked as DNS-1123 labels, as Kubernetes names them.
 */
export interface IdentityDomain {
  /** The control plane's namespace (Linkerd's default: linkerd). */
  readonly controllerNamespace: string;
  /** The trust domain (default cluster.local). */
  readonly trustDomain: string;
}

export interface ServiceAccountRef {
  readonly namespace: string;
  readonly name: string;
}

export const defaultIdentityDomain: IdentityDomain = { controllerNamespace: 'linkerd', trustDomain: 'cluster.local' };

const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function isDnsLabel(text: string): boolean {
  return dnsLabel.test(text);
}

/** A trust domain is one or more DNS labels joined by dots. */
export function isTrustDomain(text: string): boolean {
  return text.length <= 253 && text.split('.').every(isDnsLabel);
}

export function serviceAccountIdentity(account: ServiceAccountRef, domain: IdentityDomain): string {
  return `${account.name}.${account.namespace}.serviceaccount.identity.${domain.controllerNamespace}.${domain.trustDomain}`;
}

export function issuerName(domain: IdentityDomain): string {
  return `identity.${domain.controllerNamespace}.${domain.trustDomain}`;
}

export function trustAnchorName(domain: IdentityDomain): string {
  return `root.${domain.controllerNamespace}.${domain.trustDomain}`;
}

/** The service account of `system:serviceaccount:<ns>:<sa>`, or undefined for any other username. */
export function serviceAccountOfUsername(username: string): ServiceAccountRef | undefined {
  const parts = username.split(':');
  if (parts.length !== 4 || parts[0] !== 'system' || parts[1] !== 'serviceaccount') return undefined;
  const [namespace, name] = [parts[2] as string, parts[3] as string];
  return isDnsLabel(namespace) && isDnsLabel(name) ? { namespace, name } : undefined;
}
