/**
 * linkerd-webhooks-and-apisvc-tls: the certificates the API server sees when it calls the
 * proxy-injector, sp-validator and policy-validator webhooks. Each Secret's certificate must be
 * valid now, name the webhook Service, and chain to the caBundle of its webhook configuration (or
 * the API server refuses the call); expiry within 60 days warns.
 */
import type { X509Certificate } from 'node:crypto';
import type { Category, Checker } from './checker.js';
import { type CheckFacts, type CheckOptions, need } from './check-facts.js';
import { chainProblem, expiringSoonProblem, parseCertificates, parseMatchingKey, validityProblem } from './certificates.js';
import type { ClusterReader } from './cluster-reader.js';
import { type WebhookNames, webhooks } from './control-plane-names.js';
import { requireNone } from './linkerd-identity.js';
import { parseAs, paths, secretSchema, webhookConfigurationSchema } from './resources.js';

interface WebhookTls {
  readonly caBundle: readonly X509Certificate[];
  readonly chain: readonly X509Certificate[];
}

async function readCaBundle(client: ClusterReader, names: WebhookNames, signal: AbortSignal): Promise<X509Certificate[]> {
  const path = names.kind === 'mutating' ? paths.mutatingWebhook(names.configuration) : paths.validatingWebhook(names.configuration);
  const kind = `${names.kind}webhookconfigurations`;
  const object = await client.get(path, signal);
  if (object === undefined) throw new Error(`${kind}.admissionregistration.k8s.io "${names.configuration}" not found`);
  const hooks = parseAs(webhookConfigurationSchema, object, `${kind} ${names.configuration}`).webhooks ?? [];
  if (hooks.length === 0) throw new Error(`${kind} ${names.configuration} has no webhooks`);
  const bundles = new Set(hooks.map((hook) => hook.clientConfig.caBundle ?? ''));
  if (bundles.size > 1) throw new Error(`the webhooks of ${kind} ${names.configuration} do not share one caBundle`);
  const bundle = [...bundles][0] ?? '';
  if (bundle === '') throw new Error(`${kind} ${names.configuration} has an empty caBundle`);
  return parseCertificates(Buffer.from(bundle, 'base64').toString('utf8'), `the caBundle of ${names.configuration}`);
}

async function readWebhookTls(client: ClusterReader, namespace: string, names: WebhookNames, signal: AbortSignal): Promise<WebhookTls> {
  const caBundle = await readCaBundle(client, names, signal);
  const object = await client.get(paths.secret(namespace, names.secret), signal);
  if (object === undefined) throw new Error(`secrets "${names.secret}" not found`);
  const data = parseAs(secretSchema, object, `secret ${names.secret}`).data ?? {};
  const certificate = data['tls.crt'];
  const key = data['tls.key'];
  if (certificate === undefined) throw new Error(`key tls.crt needs to exist in secret ${names.secret}`);
  if (key === undefined) throw new Error(`key tls.key needs to exist in secret ${names.secret}`);
  const chain = parseCertificates(Buffer.from(certificate, 'base64').toString('utf8'), `secret ${names.secret} tls.crt`);
  parseMatchingKey(Buffer.from(key, 'base64').toString('utf8'), chain[0] as X509Certificate, `secret ${names.secret} tls.key`);
  return { caBundle, chain };
}

/** Why the webhook's certificate would be refused by the API server, or nothing. */
export function checkWebhookTls(tls: WebhookTls, dnsName: string, now: Date): void {
  requireNone(tls.caBundle, (c) => validityProblem(c, now), 'anchors not within their validity period');
  const leaf = tls.chain[0] as X509Certificate;
  const problem = validityProblem(leaf, now);
  if (problem !== undefined) throw new Error(`certificate ${problem}`);
  if (leaf.checkHost(dnsName, { subject: 'never' }) === undefined) throw new Error(`certificate is not valid for ${dnsName} (it names ${leaf.subjectAltName ?? 'no DNS names'})`);
  const chain = chainProblem(tls.chain, tls.caBundle, now);
  if (chain !== undefined) throw new Error(`cert is not issued by the trust anchor: ${chain}`);
}

export function checkWebhookTlsExpiry(tls: WebhookTls, now: Date): void {
  requireNone(tls.caBundle, (c) => expiringSoonProblem(c, now), 'Anchors expiring soon');
  const problem = expiringSoonProblem(tls.chain[0] as X509Certificate, now);
  if (problem !== undefined) throw new Error(`certificate ${problem}`);
}

function webhookCheckers(options: CheckOptions, facts: CheckFacts, names: WebhookNames): Checker[] {
  const read = (signal: AbortSignal): Promise<WebhookTls> =>
    readWebhookTls(need(facts.client, 'the API client'), options.controlPlaneNamespace, names, signal);
  return [
    {
      description: `${names.component} webhook has valid cert`, hintAnchor: `l5d-${names.component}-webhook-cert-valid`, fatal: true,
      run: async (signal) => checkWebhookTls(await read(signal), `${names.service}.${options.controlPlaneNamespace}.svc`, options.now()),
    },
    {
      description: `${names.component} cert is valid for at least 60 days`, hintAnchor: `l5d-${names.component}-webhook-cert-not-expiring-soon`, warning: true,
      run: async (signal) => checkWebhookTlsExpiry(await read(signal), options.now()),
    },
  ];
}

export function linkerdWebhookChecks(options: CheckOptions, facts: CheckFacts): Category {
  return { id: 'linkerd-webhooks-and-apisvc-tls', checkers: webhooks.flatMap((names) => webhookCheckers(options, facts, names)) };
}
