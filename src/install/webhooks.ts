/**
 * The admission webhook registrations, with Linkerd's names, rules and selectors.
 *
 * - `linkerd-proxy-injector-webhook-config` (mutating): Pod CREATE, sent to the
 *   linkerd-proxy-injector Service at `/`. Pods of the control plane itself are never sent (the
 *   objectSelector), nor are namespaces labelled `config.linkerd.io/admission-webhooks: disabled`
 *   (the control plane's own is), kube-system or cert-manager.
 * - `linkerd-sp-validator-webhook-config` (validating): ServiceProfile CREATE and UPDATE, sent to
 *   linkerd-sp-validator at `/sp`.
 * - `linkerd-policy-validator-webhook-config` (validating): CREATE and UPDATE of every
 *   policy.linkerd.io kind and of Gateway API HTTPRoutes and GRPCRoutes, sent to
 *   linkerd-policy-validator at `/policy`.
 * Both validators are served by one HTTPS server in the destination pod (`--admission-tls-dir`).
 * All are `sideEffects: None`, AdmissionReview v1, with the install's failure policy (Ignore, or
 * Fail with `--ha`) and the CA bundle that issued the serving certificates.
 */
import type { InstallValues } from './install-values.js';
import { componentLabels, labelNames, type Manifest } from './manifest.js';

const admissionApiVersion = 'admissionregistration.k8s.io/v1';

export const webhookPaths = { injector: '/', spValidator: '/sp', policyValidator: '/policy' } as const;

export const webhookConfigurationNames = {
  injector: 'linkerd-proxy-injector-webhook-config',
  spValidator: 'linkerd-sp-validator-webhook-config',
  policyValidator: 'linkerd-policy-validator-webhook-config',
} as const;

const notDisabled = { key: labelNames.admissionWebhooks, operator: 'NotIn', values: ['disabled'] };

function clientConfig(namespace: string, service: string, path: string, caPem: string): Record<string, unknown> {
  return { service: { name: service, namespace, path, port: 443 }, caBundle: Buffer.from(caPem).toString('base64') };
}

function injectorWebhook(values: InstallValues, caPem: string): Manifest {
  return {
    apiVersion: admissionApiVersion,
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: webhookConfigurationNames.injector, labels: componentLabels(values.namespace, 'proxy-injector') },
    webhooks: [{
      name: 'linkerd-proxy-injector.linkerd.io',
      namespaceSelector: {
        matchExpressions: [
          notDisabled,
          { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [...new Set(['kube-system', 'cert-manager', values.namespace])] },
        ],
      },
      objectSelector: {
        matchExpressions: [
          { key: labelNames.controlPlaneComponent, operator: 'DoesNotExist' },
          { key: 'linkerd.io/cni-resource', operator: 'DoesNotExist' },
        ],
      },
      clientConfig: clientConfig(values.namespace, 'linkerd-proxy-injector', webhookPaths.injector, caPem),
      failurePolicy: values.webhookFailurePolicy,
      admissionReviewVersions: ['v1'],
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
      sideEffects: 'None',
      timeoutSeconds: 10,
    }],
  };
}

function validatingWebhook(values: InstallValues, caPem: string, which: 'spValidator' | 'policyValidator'): Manifest {
  const service = which === 'spValidator' ? 'linkerd-sp-validator' : 'linkerd-policy-validator';
  const rules = which === 'spValidator'
    ? [{ operations: ['CREATE', 'UPDATE'], apiGroups: ['linkerd.io'], apiVersions: ['v1alpha1', 'v1alpha2'], resources: ['serviceprofiles'] }]
    : [
      {
        operations: ['CREATE', 'UPDATE'], apiGroups: ['policy.linkerd.io'], apiVersions: ['*'],
        resources: ['authorizationpolicies', 'httproutes', 'meshtlsauthentications', 'networkauthentications', 'serverauthorizations', 'servers'],
      },
      { operations: ['CREATE', 'UPDATE'], apiGroups: ['gateway.networking.k8s.io'], apiVersions: ['*'], resources: ['httproutes', 'grpcroutes'] },
    ];
  return {
    apiVersion: admissionApiVersion,
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: webhookConfigurationNames[which], labels: componentLabels(values.namespace, 'destination') },
    webhooks: [{
      name: `${service}.linkerd.io`,
      namespaceSelector: { matchExpressions: [notDisabled] },
      clientConfig: clientConfig(values.namespace, service, webhookPaths[which], caPem),
      failurePolicy: values.webhookFailurePolicy,
      admissionReviewVersions: ['v1'],
      rules,
      sideEffects: 'None',
    }],
  };
}

export function webhookManifests(values: InstallValues, caPem: string): Manifest[] {
  return [injectorWebhook(values, caPem), validatingWebhook(values, caPem, 'spValidator'), validatingWebhook(values, caPem, 'policyValidator')];
}
