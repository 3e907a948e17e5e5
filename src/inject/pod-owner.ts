/**
 * The workload a Pod belongs to, for its `linkerd.io/proxy-<kind>` label, read from the Pod alone:
 * its controlling ownerReference, with a ReplicaSet that a Deployment made (its name is the
 * Deployment's plus `-<pod-template-hash>`) counted as that Deployment, as Linkerd's injector
 * reports it. A Pod without a controller has no owner.
 */
import { metadataOf, stringMapOf, type JsonObject } from './workload.js';

export interface Owner {
  /** The owner's kind as Kubernetes writes it (`Deployment`). */
  readonly kind: string;
  readonly name: string;
}

interface OwnerReference {
  readonly kind?: unknown;
  readonly name?: unknown;
  readonly controller?: unknown;
}

export function ownerOfPod(pod: JsonObject): Owner | undefined {
  const metadata = metadataOf(pod);
  const references = Array.isArray(metadata['ownerReferences']) ? metadata['ownerReferences'] as readonly OwnerReference[] : [];
  const controller = references.find((ref) => ref.controller === true) ?? (references.length === 1 ? references[0] : undefined);
  if (controller === undefined || typeof controller.kind !== 'string' || typeof controller.name !== 'string') return undefined;
  const hash = stringMapOf(metadata['labels'])['pod-template-hash'];
  if (controller.kind === 'ReplicaSet' && hash !== undefined && controller.name.endsWith(`-${hash}`)) {
    return { kind: 'Deployment', name: controller.name.slice(0, -(hash.length + 1)) };
  }
  return { kind: controller.kind, name: controller.name };
}
