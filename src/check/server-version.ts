/**
 * The control plane's version, as the API server knows it: `linkerdVersion` in the values the
 * `linkerd-config` ConfigMap carries (where Linkerd keeps it), else the `app.kubernetes.io/version`
 * label of the control-plane Deployments. Used by `sinew version` and the control-plane-version
 * checks.
 *
 * Contract: resolves to the version, or throws an Error saying why none could be read (no such
 * ConfigMap, no version in it, the API unreachable).
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ClusterReader } from './cluster-reader.js';
import { controlPlaneDeployments, linkerdConfigMap } from './control-plane-names.js';
import { configMapSchema, deploymentSchema, parseAs, paths } from './resources.js';

const versionLabel = 'app.kubernetes.io/version';
const valuesSchema = z.looseObject({ linkerdVersion: z.string().optional() });

function versionFromValues(values: string | undefined): string | undefined {
  if (values === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = parseYaml(values);
  } catch (error) {
    throw new Error(`configmap ${linkerdConfigMap}: the values key is not YAML: ${(error as Error).message}`, { cause: error });
  }
  const version = valuesSchema.safeParse(parsed);
  return version.success && version.data.linkerdVersion !== undefined && version.data.linkerdVersion !== '' ? version.data.linkerdVersion : undefined;
}

export async function readServerVersion(client: ClusterReader, namespace: string, signal: AbortSignal): Promise<string> {
  const object = await client.get(paths.configMap(namespace, linkerdConfigMap), signal);
  if (object === undefined) throw new Error(`configmaps "${linkerdConfigMap}" not found`);
  const fromValues = versionFromValues(parseAs(configMapSchema, object, `configmap ${linkerdConfigMap}`).data?.values);
  if (fromValues !== undefined) return fromValues;
  for (const name of controlPlaneDeployments) {
    const deployment = await client.get(paths.deployment(namespace, name), signal);
    const label = deployment === undefined ? undefined : parseAs(deploymentSchema, deployment, `deployment ${name}`).metadata.labels?.[versionLabel];
    if (label !== undefined && label !== '') return label;
  }
  throw new Error(`neither configmap ${linkerdConfigMap} nor the control-plane Deployments say which version is installed`);
}

/** Versions compare without a leading `v`: `v0.1.0` and `0.1.0` are the same release. */
export function sameVersion(a: string, b: string): boolean {
  return a.replace(/^v/, '') === b.replace(/^v/, '');
}
