/**
 * Tombstones: what a DELETED change carries when the reflector no longer has the object
 * (it vanished between two lists, or its last version failed its projection).
 * A tombstone is the object's identity only: apiVersion, kind, name, namespace, resourceVersion.
 */
import { z } from 'zod';
import { apiVersionOf, type KindSpec } from './kind.js';
import { metadataSchema, type ObjectKey, type ProjectedObject } from './object.js';

export const tombstoneSchema = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: metadataSchema.pick({ name: true, namespace: true, resourceVersion: true, uid: true }),
});

export function tombstone(spec: KindSpec, key: ObjectKey, resourceVersion: string): ProjectedObject {
  const parts = key.split('/');
  const name = parts[parts.length - 1] ?? '';
  const namespace = parts.length === 3 ? parts[1] : undefined;
  return {
    apiVersion: apiVersionOf(spec),
    kind: spec.kind,
    metadata: namespace === undefined ? { name, resourceVersion } : { name, namespace, resourceVersion },
  };
}
