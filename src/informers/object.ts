/**
 * Projected Kubernetes objects: the subset of an API object that Sinew keeps.
 *
 * Every object that enters Sinew (from the API server, an event log or LMDB) is parsed by its
 * kind's zod projection; unknown fields are stripped. Objects handed out by the store are deeply
 * frozen, so no consumer can change what another one sees.
 */
import { z } from 'zod';

/** `<resource>/<namespace>/<name>` for namespaced objects, `<resource>/<name>` for cluster-scoped. */
export type ObjectKey = string & { readonly __brand: 'ObjectKey' };

/** A resource id: the plural, dotted with the group unless it is the core group (`pods`, `servers.policy.linkerd.io`). */
export type ResourceId = string & { readonly __brand: 'ResourceId' };

export const ownerReferenceSchema = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string().optional(),
  controller: z.boolean().optional(),
});

export const metadataSchema = z.object({
  name: z.string().min(1).max(253),
  namespace: z.string().min(1).max(63).optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().min(1),
  generation: z.number().int().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  ownerReferences: z.array(ownerReferenceSchema).optional(),
});

export type ObjectMeta = z.infer<typeof metadataSchema>;

export interface ProjectedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: Readonly<ObjectMeta>;
}

/**
 * Freezes an object and everything it holds, even below a level someone already froze.
 * Returns the same object, typed read-only.
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}
