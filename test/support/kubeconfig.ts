/**
 * Kubeconfigs pointing at a fake API server: one cluster, one bearer-token user, one context.
 *
 * Contract: the document is what `KubeConfig.loadFromFile`/`loadFromString` of
 * @kubernetes/client-node accept. The server is plain HTTP, so the cluster sets
 * `insecure-skip-tls-verify: true`, which client-node requires before it will speak http:. Files
 * ending in `.json` are written as JSON, anything else as YAML.
 */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface KubeconfigParams {
  readonly server: string;
  readonly token: string;
  readonly namespace?: string;
  readonly name?: string;
}

export function kubeconfigDocument(params: KubeconfigParams): Record<string, unknown> {
  const name = params.name ?? 'sinew-fake';
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: params.server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: `${name}-user`, user: { token: params.token } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-user`, namespace: params.namespace ?? 'default' } }],
    'current-context': name,
    preferences: {},
  };
}

export function kubeconfigText(params: KubeconfigParams, format: 'yaml' | 'json'): string {
  const doc = kubeconfigDocument(params);
  return format === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : stringify(doc);
}

export function writeKubeconfigFile(path: string, params: KubeconfigParams): void {
  writeFileSync(path, kubeconfigText(params, path.endsWith('.json') ? 'json' : 'yaml'), { mode: 0o600 });
}
