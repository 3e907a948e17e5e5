/**
 * Informer events for tests that drive the reconcile loop directly: an API object gets a fresh
 * resourceVersion, goes through its kind's projection, and becomes an ObjectChange.
 */
import type { ChangeType, ObjectChange } from '../../src/informers/event.js';
import { keyOf, type KindSpec, resourceId } from '../../src/informers/kind.js';
import { project } from '../../src/informers/projection.js';

let version = 1;

export function versionedChange(spec: KindSpec, raw: Record<string, unknown>, type: ChangeType = 'MODIFIED'): ObjectChange {
  (raw.metadata as Record<string, unknown>).resourceVersion = String(++version);
  const projected = project(spec, raw);
  if (!projected.ok) throw new Error(projected.error);
  const resource = resourceId(spec);
  return { type, resource, key: keyOf(resource, projected.object), object: projected.object };
}
