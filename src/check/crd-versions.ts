/**
 * Are the CRDs this CLI installs present in the cluster, each serving every version the CLI's
 * manifests serve? A CRD from an older install that lacks a version the control plane reads (the
 * informers watch Server v1beta3, for one) fails here rather than as a control plane that never
 * syncs.
 */
import type { ClusterReader } from './cluster-reader.js';
import type { ExpectedCrd } from './expected-crds.js';
import { crdSchema, parseAs, paths } from './resources.js';

export async function checkCrds(client: ClusterReader, expected: readonly ExpectedCrd[], signal: AbortSignal): Promise<void> {
  const items = await client.list(paths.crds, signal);
  const served = new Map(items.map((item) => {
    const crd = parseAs(crdSchema, item, 'a CustomResourceDefinition');
    return [crd.metadata.name, crd.spec.versions.filter((v) => v.served).map((v) => v.name)] as const;
  }));
  const missing = expected.filter((crd) => !served.has(crd.name)).map((crd) => crd.name);
  if (missing.length > 0) throw new Error(`missing CustomResourceDefinitions: ${missing.join(', ')}`);
  const stale = expected.flatMap((crd) => {
    const has = served.get(crd.name) ?? [];
    const lacking = crd.versions.filter((version) => !has.includes(version));
    return lacking.length === 0 ? [] : [`${crd.name} does not serve ${lacking.join(', ')} (it serves ${has.join(', ') || 'nothing'})`];
  });
  if (stale.length > 0) throw new Error(`CustomResourceDefinitions of another version are installed:\n\t${stale.join('\n\t')}`);
}
