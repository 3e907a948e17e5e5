/**
 * A fake cluster for check tests, and hand-made control-plane objects to put in it: the identity
 * material, webhook configurations with serving certificates, Deployments and their pods. Each
 * test builds only what the category under test reads, then runs that category and reads back
 * every result the runner reported.
 */
import { webcrypto } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Category, CheckResult } from '../../src/check/checker.js';
import type { CheckFacts, CheckOptions } from '../../src/check/check-facts.js';
import { type ClusterReader, clusterReader } from '../../src/check/cluster-reader.js';
import { runChecks, type RunSummary } from '../../src/check/runner.js';
import { checkCommand } from '../../src/cli/check.js';
import { ecdsaP256, x509 } from '../../src/identity/x509.js';
import { kubeApiClient } from '../../src/informers/api-client.js';
import { ManifestApplier } from '../support/apply-manifests.js';
import { tempDir } from '../support/engine-harness.js';
import { FakeApiServer, type KubeObject } from '../support/fake-api-server.js';
import { privateKeyPem, type TestCa } from '../identity/pki-fixtures.js';

export const day = 86_400_000;

export interface TestCluster {
  readonly api: FakeApiServer;
  readonly applier: ManifestApplier;
  readonly reader: ClusterReader;
  /** A temporary directory, removed by `stop`, holding the kubeconfig. */
  readonly dir: string;
  readonly kubeconfig: string;
  /** Closes the API server and removes `dir`. */
  stop(): Promise<void>;
}

/** A fake API server serving the built-in resources, with a kubeconfig file for it. */
export async function startCluster(): Promise<TestCluster> {
  const api = await FakeApiServer.start();
  const applier = new ManifestApplier(api).registerBuiltinResources();
  const dir = tempDir('sinew-check-');
  const kubeconfig = path.join(dir, 'kubeconfig');
  api.writeKubeconfig(kubeconfig);
  return {
    api, applier, reader: clusterReader(kubeApiClient(api.kubeConfig())), dir, kubeconfig,
    async stop() {
      await api.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function checkOptions(overrides: Partial<CheckOptions> = {}): CheckOptions {
  return {
    kubeconfig: undefined, context: undefined, controlPlaneNamespace: 'linkerd', dataPlaneNamespace: undefined,
    cliVersion: 'v0.1.0', now: () => new Date(), ...overrides,
  };
}

export interface CategoryRun {
  /** Final results only (retries left out). */
  readonly results: readonly CheckResult[];
  /** Every report, retries included. */
  readonly reports: readonly CheckResult[];
  readonly summary: RunSummary;
}

export async function runCategories(categories: readonly Category[], waitMs = 0, retryIntervalMs = 10): Promise<CategoryRun> {
  const reports: CheckResult[] = [];
  const summary = await runChecks(categories, {
    deadline: Date.now() + waitMs, retryIntervalMs, checkTimeoutMs: 10_000, observe: (result) => reports.push(result),
  });
  return { results: reports.filter((r) => !r.retry), reports, summary };
}

/** Facts as if the kubernetes-api checks had passed against `reader`. */
export function connectedFacts(reader: ClusterReader): CheckFacts {
  return { client: reader };
}

/** The result of the check with this description; fails the test if it did not run. */
export function resultOf(run: CategoryRun, description: string): CheckResult {
  const result = run.results.find((r) => r.description === description);
  if (result === undefined) throw new Error(`no result for "${description}"; ran: ${run.results.map((r) => r.description).join(' | ')}`);
  return result;
}

export function base64(text: string): string {
  return Buffer.from(text).toString('base64');
}

export function namespaceObject(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

export function configMap(namespace: string, name: string, data: Record<string, string>, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data };
}

export function secret(namespace: string, name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, base64(v)])) };
}

export interface ServingCertificate {
  readonly pem: string;
  readonly keyPem: string;
}

/** A leaf for `dnsNames`, signed by `ca`, valid from an hour ago until `notAfter`. */
export async function servingCertificate(ca: TestCa, dnsNames: readonly string[], notAfter = new Date(Date.now() + 365 * day)): Promise<ServingCertificate> {
  const keys = await webcrypto.subtle.generateKey(ecdsaP256, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.create({
    subject: `CN=${dnsNames[0] ?? 'webhook'}`, issuer: ca.certificate.subjectName,
    publicKey: keys.publicKey, signingKey: ca.keys.privateKey, signingAlgorithm: ecdsaP256,
    notBefore: new Date(Date.now() - 3600_000), notAfter,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: 'dns' as const, value }))),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    ],
  });
  return { pem: `${certificate.toString('pem')}\n`, keyPem: privateKeyPem(keys) };
}

export function webhookConfiguration(kind: 'Mutating' | 'Validating', name: string, caPem: string, namespace = 'linkerd'): KubeObject {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1', kind: `${kind}WebhookConfiguration`,
    metadata: { name, labels: { 'linkerd.io/control-plane-ns': namespace } },
    webhooks: [{ name: `${name}.linkerd.io`, clientConfig: { caBundle: base64(caPem) }, sideEffects: 'None', admissionReviewVersions: ['v1'] }],
  };
}

export function tlsSecret(namespace: string, name: string, certificate: ServingCertificate): KubeObject {
  return { ...secret(namespace, name, { 'tls.crt': certificate.pem, 'tls.key': certificate.keyPem }), type: 'kubernetes.io/tls' };
}

export function deployment(namespace: string, name: string, component: string, labels: Record<string, string> = {}): KubeObject {
  const selector = { 'linkerd.io/control-plane-component': component, 'linkerd.io/control-plane-ns': namespace };
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace, labels: { ...selector, ...labels } },
    spec: { selector: { matchLabels: selector }, template: { metadata: { labels: selector }, spec: { containers: [{ name: component, image: 'sinew:v0.1.0' }] } } },
  };
}

export interface PodSpecOptions {
  readonly labels: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly containers: readonly string[];
  /** Names of native sidecars (init containers with restartPolicy Always). */
  readonly sidecars?: readonly string[];
  readonly ready: boolean;
  readonly phase?: string;
  readonly env?: Record<string, readonly { name: string; value: string }[]>;
  readonly images?: Record<string, string>;
}

export function podObject(namespace: string, name: string, options: PodSpecOptions): KubeObject {
  const container = (c: string, sidecar: boolean) => ({
    name: c, image: options.images?.[c] ?? 'example/app:1', env: options.env?.[c] ?? [], ...(sidecar ? { restartPolicy: 'Always' } : {}),
  });
  const status = (c: string) => ({ name: c, ready: options.ready, image: options.images?.[c] ?? 'example/app:1' });
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace, labels: options.labels, annotations: options.annotations ?? {} },
    spec: { initContainers: (options.sidecars ?? []).map((c) => container(c, true)), containers: options.containers.map((c) => container(c, false)) },
    status: {
      phase: options.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: options.ready ? 'True' : 'False' }],
      initContainerStatuses: (options.sidecars ?? []).map(status),
      containerStatuses: options.containers.map(status),
    },
  };
}

/** `sinew check` in-process: its exit code and everything it printed (retries every 50 ms). */
export interface CheckRun {
  readonly code: number;
  readonly out: string;
}

export async function runCheck(argv: readonly string[], runtime: Parameters<typeof checkCommand>[2] = {}): Promise<CheckRun> {
  let out = '';
  const code = await checkCommand(argv, { out: (text) => { out += text; }, err: (text) => { out += text; } }, { retryIntervalMs: 50, ...runtime });
  return { code, out };
}
