/**
 * What `sinew viz install` asks the API server before it renders: is there a control plane in the
 * `-L` namespace, and what does it say: its cluster and trust domains (`linkerd-config`) and its
 * trust anchors (`linkerd-identity-trust-roots`, which follows rotations; else the anchors in
 * `linkerd-config`). The tap server trusts those anchors, so viz carries a copy of them.
 *
 * Contract: reads only, through cluster-access.ts (deadlines, 404 as absence). Replies are parsed
 * with zod; a control plane whose configuration cannot be read is a `VizClusterError` naming the
 * object and what is wrong with it.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { isTrustDomain } from '../identity/identity-name.js';
import { parseTrustAnchors, TrustAnchorError } from '../identity/trust-anchors.js';
import type { Cluster } from './cluster-access.js';
import { configNames } from './config-manifests.js';
import type { ControlPlaneFacts } from './viz-flags.js';

export class VizClusterError extends Error {
  override readonly name = 'VizClusterError';
}

export interface InstalledControlPlane extends ControlPlaneFacts {
  readonly trustAnchorsPem: string;
}

const configMapSchema = z.object({ data: z.record(z.string(), z.string()).optional() });
const valuesSchema = z.object({
  clusterDomain: z.string().optional(),
  identityTrustDomain: z.string().optional(),
  identityTrustAnchorsPEM: z.string().optional(),
}).passthrough();

function configMapPath(namespace: string, name: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`;
}

async function configMapData(cluster: Cluster, namespace: string, name: string): Promise<Readonly<Record<string, string>> | undefined> {
  const body = await cluster.get(configMapPath(namespace, name));
  if (body === undefined) return undefined;
  const parsed = configMapSchema.safeParse(body);
  if (!parsed.success) throw new VizClusterError(`ConfigMap ${namespace}/${name} is not a ConfigMap`);
  return parsed.data.data ?? {};
}

function configValues(namespace: string, text: string | undefined): z.infer<typeof valuesSchema> {
  let value: unknown;
  try {
    value = parseYaml(text ?? '');
  } catch (error) {
    throw new VizClusterError(`ConfigMap ${namespace}/${configNames.config}: its values key is not YAML: ${(error as Error).message}`);
  }
  const parsed = valuesSchema.safeParse(value ?? {});
  if (!parsed.success) throw new VizClusterError(`ConfigMap ${namespace}/${configNames.config}: its values are not the control plane's settings`);
  return parsed.data;
}

/** The control plane in `namespace`, or undefined when it has no `linkerd-config`. */
export async function installedControlPlane(cluster: Cluster, namespace: string): Promise<InstalledControlPlane | undefined> {
  const config = await configMapData(cluster, namespace, configNames.config);
  if (config === undefined) return undefined;
  const values = configValues(namespace, config['values']);
  const roots = await configMapData(cluster, namespace, configNames.trustRoots);
  const pem = roots?.[configNames.trustRootsKey] ?? values.identityTrustAnchorsPEM;
  if (pem === undefined) throw new VizClusterError(`the control plane in ${namespace} records no trust anchors (ConfigMap ${configNames.trustRoots} has no ${configNames.trustRootsKey})`);
  try {
    parseTrustAnchors(pem, `the trust anchors of the control plane in ${namespace}`);
  } catch (error) {
    if (error instanceof TrustAnchorError) throw new VizClusterError(error.message);
    throw error;
  }
  for (const key of ['clusterDomain', 'identityTrustDomain'] as const) {
    const domain = values[key];
    if (domain !== undefined && !isTrustDomain(domain)) throw new VizClusterError(`ConfigMap ${namespace}/${configNames.config}: ${key} ${JSON.stringify(domain)} is not a DNS name`);
  }
  return {
    trustAnchorsPem: pem,
    ...(values.clusterDomain === undefined ? {} : { clusterDomain: values.clusterDomain }),
    ...(values.identityTrustDomain === undefined ? {} : { identityTrustDomain: values.identityTrustDomain }),
  };
}
