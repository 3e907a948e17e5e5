/**
 * A kind Sinew watches: where it lives in the API, how an object of it is projected, and its key.
 *
 * One file per kind under `kinds/` exports a `KindSpec`; `kinds/index.ts` lists them all. The
 * generic reflector and the store know nothing about any particular kind beyond this record.
 */
import type { z } from 'zod';
import type { ObjectKey, ProjectedObject, ResourceId } from './object.js';

export interface KindSpec<T extends ProjectedObject = ProjectedObject> {
  readonly kind: string;
  /** API group; '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** Parses an API object into its projection. Unknown fields are stripped. */
  readonly schema: z.ZodType<T>;
  /** True for kinds whose CRDs may be absent (Gateway API): a 404 on list means "none", not an error. */
  readonly optional: boolean;
}

export function resourceId(spec: Pick<KindSpec, 'plural' | 'group'>): ResourceId {
  return (spec.group === '' ? spec.plural : `${spec.plural}.${spec.group}`) as ResourceId;
}

export function apiVersionOf(spec: Pick<KindSpec, 'group' | 'version'>): string {
  return spec.group === '' ? spec.version : `${spec.group}/${spec.version}`;
}

/** The collection path, across all namespaces or in one. */
export function collectionPath(spec: KindSpec, namespace?: string): string {
  const base = spec.group === '' ? `/api/${spec.version}` : `/apis/${spec.group}/${spec.version}`;
  const ns = namespace !== undefined && spec.namespaced ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${spec.plural}`;
}

export function objectKey(resource: ResourceId, namespace: string | undefined, name: string): ObjectKey {
  return (namespace === undefined || namespace === '' ? `${resource}/${name}` : `${resource}/${namespace}/${name}`) as ObjectKey;
}

export function keyOf(resource: ResourceId, object: ProjectedObject): ObjectKey {
  return objectKey(resource, object.metadata.namespace, object.metadata.name);
}

/** The resource id part of a key. */
export function resourceOfKey(key: ObjectKey): ResourceId {
  return key.slice(0, key.indexOf('/')) as ResourceId;
}
