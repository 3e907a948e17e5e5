/**
 * The control plane's namespace, configuration and secrets:
 *
 * - Namespace: labelled as Linkerd's (`linkerd.io/is-control-plane`, admission webhooks disabled so
 *   no webhook ever blocks the control plane, `pod-security.kubernetes.io/enforce: privileged`
 *   for the proxy-init container), annotated `linkerd.io/inject: disabled`.
 * - ConfigMap `linkerd-config`: the install's values under the key `values`, shaped as Linkerd's
 *   chart values (the keys `inject`, `check` and the injector read), never with a private key.
 * - ConfigMap `linkerd-identity-trust-roots`: the trust anchors under `ca-bundle.crt`.
 * - Secret `linkerd-identity-issuer`: the issuer as Linkerd's `linkerd.io/tls` scheme stores it,
 *   `crt.pem` and `key.pem`.
 * - Secrets `linkerd-proxy-injector-k8s-tls`, `linkerd-sp-validator-k8s-tls` and
 *   `linkerd-policy-validator-k8s-tls` (`kubernetes.io/tls`, with `ca.crt`): the webhooks' serving
 *   certificates. The two validator Secrets hold the same certificate (one server answers both);
 *   the destination pod mounts the policy-validator one.
 */
import { stringify } from 'yaml';
import type { IdentityMaterial } from './identity-certificates.js';
import type { InstallValues, Resources } from './install-values.js';
import { componentLabels, type ComponentName, labelNames, type Manifest } from './manifest.js';
import type { ServingCertificate, WebhookMaterial } from './webhook-certificates.js';

export const configNames = {
  config: 'linkerd-config',
  trustRoots: 'linkerd-identity-trust-roots',
  trustRootsKey: 'ca-bundle.crt',
  issuer: 'linkerd-identity-issuer',
  injectorTls: 'linkerd-proxy-injector-k8s-tls',
  spValidatorTls: 'linkerd-sp-validator-k8s-tls',
  policyValidatorTls: 'linkerd-policy-validator-k8s-tls',
} as const;

export function namespaceManifest(values: InstallValues): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: values.namespace,
      annotations: { [labelNames.inject]: 'disabled' },
      labels: {
        [labelNames.isControlPlane]: 'true',
        [labelNames.admissionWebhooks]: 'disabled',
        [labelNames.controlPlaneNs]: values.namespace,
        'pod-security.kubernetes.io/enforce': 'privileged',
      },
    },
  };
}

function resourcesValue(resources: Resources): Record<string, unknown> {
  return {
    cpu: { request: resources.cpu?.request ?? '', limit: resources.cpu?.limit ?? '' },
    memory: { request: resources.memory?.request ?? '', limit: resources.memory?.limit ?? '' },
  };
}

/** The install's settings as Linkerd's chart values, the way `linkerd-config` carries them. */
export function linkerdConfigValues(values: InstallValues, identity: IdentityMaterial): Record<string, unknown> {
  const { proxy, proxyInit } = values;
  return {
    clusterDomain: values.clusterDomain,
    clusterNetworks: values.clusterNetworks.join(','),
    cniEnabled: false,
    controllerImage: values.controllerImage.name,
    controllerLogFormat: values.controllerLogFormat,
    controllerLogLevel: values.controllerLogLevel,
    controllerReplicas: values.controllerReplicas,
    controllerUID: values.controllerUID,
    enableEndpointSlices: true,
    enableH2Upgrade: true,
    enablePodAntiAffinity: values.enablePodAntiAffinity,
    enablePodDisruptionBudget: values.enablePodDisruptionBudget,
    identity: {
      issuer: {
        scheme: 'linkerd.io/tls',
        issuanceLifetime: values.identity.issuanceLifetime,
        clockSkewAllowance: values.identity.clockSkewAllowance,
        tls: { crtPEM: identity.issuerCertificatePem },
      },
    },
    identityTrustAnchorsPEM: identity.trustAnchorsPem,
    identityTrustDomain: values.identityTrustDomain,
    imagePullPolicy: values.imagePullPolicy,
    linkerdVersion: values.linkerdVersion,
    proxy: {
      await: proxy.await,
      defaultInboundPolicy: proxy.defaultInboundPolicy,
      enableExternalProfiles: false,
      image: { name: proxy.image.name, version: proxy.image.version, pullPolicy: values.imagePullPolicy },
      inboundConnectTimeout: '100ms',
      logFormat: proxy.logFormat,
      logLevel: proxy.logLevel,
      opaquePorts: proxy.opaquePorts,
      outboundConnectTimeout: '1000ms',
      ports: { ...proxy.ports },
      requireIdentityOnInboundPorts: proxy.requireIdentityOnInboundPorts,
      resources: resourcesValue(proxy.resources),
      uid: proxy.uid,
    },
    proxyInit: {
      ignoreInboundPorts: proxyInit.ignoreInboundPorts,
      ignoreOutboundPorts: proxyInit.ignoreOutboundPorts,
      image: { name: proxyInit.image.name, version: proxyInit.image.version, pullPolicy: values.imagePullPolicy },
    },
    webhookFailurePolicy: values.webhookFailurePolicy,
  };
}

function base64(text: string): string {
  return Buffer.from(text).toString('base64');
}

function tlsSecret(namespace: string, name: string, component: ComponentName, certificate: ServingCertificate, caPem: string, createdBy: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: componentLabels(namespace, component), annotations: { [labelNames.createdBy]: createdBy } },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': base64(certificate.certificatePem), 'tls.key': base64(certificate.keyPem), 'ca.crt': base64(caPem) },
  };
}

export function configManifests(values: InstallValues, identity: IdentityMaterial, webhooks: WebhookMaterial, createdBy: string): Manifest[] {
  const namespace = values.namespace;
  const annotations = { [labelNames.createdBy]: createdBy };
  return [
    {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: configNames.config, namespace, labels: componentLabels(namespace, 'controller'), annotations },
      data: { values: stringify(linkerdConfigValues(values, identity), { lineWidth: 0 }) },
    },
    {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: configNames.trustRoots, namespace, labels: componentLabels(namespace, 'identity'), annotations },
      data: { [configNames.trustRootsKey]: identity.trustAnchorsPem },
    },
    {
      apiVersion: 'v1', kind: 'Secret',
      metadata: { name: configNames.issuer, namespace, labels: componentLabels(namespace, 'identity'), annotations },
      data: { 'crt.pem': base64(identity.issuerCertificatePem), 'key.pem': base64(identity.issuerKeyPem) },
    },
    tlsSecret(namespace, configNames.injectorTls, 'proxy-injector', webhooks.injector, webhooks.caPem, createdBy),
    tlsSecret(namespace, configNames.spValidatorTls, 'destination', webhooks.validators, webhooks.caPem, createdBy),
    tlsSecret(namespace, configNames.policyValidatorTls, 'destination', webhooks.validators, webhooks.caPem, createdBy),
  ];
}
