/**
 * The workload a pod belongs to, as Linkerd names it in metric labels: a pod of a ReplicaSet that
 * a Deployment owns is the Deployment's (`deployment: web`), a pod of a Job a CronJob owns is the
 * CronJob's; otherwise the controller itself (`statefulset`, `daemonset`, `replicaset`, `job`, …).
 */
import { objectKey } from '../informers/kind.js';
import type { Pod } from '../informers/kinds/pod.js';
import type { ProjectedObject, ResourceId } from '../informers/object.js';
import type { StoreView } from '../store/store-view.js';

export interface WorkloadOwner {
  readonly kind: string;
  readonly name: string;
}

const replicaSets = 'replicasets.apps' as ResourceId;
const jobs = 'jobs.batch' as ResourceId;

export function workloadOwner(view: StoreView, pod: Pod): WorkloadOwner | undefined {
  const owner = controllerOf(pod);
  if (owner === undefined) return undefined;
  const namespace = pod.metadata.namespace;
  const parentResource = owner.kind === 'ReplicaSet' ? replicaSets : owner.kind === 'Job' ? jobs : undefined;
  if (parentResource !== undefined) {
    const parent = controllerOf(view.get(objectKey(parentResource, namespace, owner.name)));
    if (parent !== undefined && (parent.kind === 'Deployment' || parent.kind === 'CronJob')) {
      return { kind: parent.kind.toLowerCase(), name: parent.name };
    }
  }
  return { kind: owner.kind.toLowerCase(), name: owner.name };
}

function controllerOf(object: ProjectedObject | undefined): { kind: string; name: string } | undefined {
  return object?.metadata.ownerReferences?.find((reference) => reference.controller === true);
}
