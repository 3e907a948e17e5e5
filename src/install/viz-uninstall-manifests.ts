/**
 * What `sinew viz uninstall` deletes: every object `sinew viz install` can create for a viz
 * namespace (with `--ha` or without, with its own Prometheus or an external one), named by
 * apiVersion, kind, name and namespace, in the reverse of install order: workloads first, the
 * namespace last.
 *
 * The list comes from the install renderer itself, so the two cannot drift apart: which objects an
 * install creates depends only on the namespace, `--ha` and whether it runs Prometheus, so it is
 * rendered with the HA settings and a Prometheus (a superset), with blank trust anchors.
 */
import { type ObjectRef, refOf } from './manifest.js';
import { vizManifests } from './viz-manifests.js';
import { defaultVizValues, vizHaValues } from './viz-values.js';

export function vizUninstallRefs(namespace: string): ObjectRef[] {
  const superset = vizManifests({ ...vizHaValues(defaultVizValues('')), namespace }, '');
  return superset.map(refOf).reverse();
}
