/**
 * Projecting untrusted API objects through a kind's zod schema, and naming the ones that fail.
 */
import type { KindSpec } from './kind.js';
import { objectKey } from './kind.js';
import type { ObjectKey, ProjectedObject, ResourceId } from './object.js';

export type Projection = { readonly ok: true; readonly object: ProjectedObject } | { readonly ok: false; readonly error: string };

export function project(spec: KindSpec, raw: unknown): Projection {
  const result = spec.schema.safeParse(raw);
  if (result.success) return { ok: true, object: result.data };
  const issue = result.error.issues[0];
  const path = issue === undefined ? '' : issue.path.map(String).join('.');
  return { ok: false, error: `${path === '' ? '(object)' : path}: ${issue?.message ?? 'invalid'}` };
}

function metadataOf(raw: unknown): { name?: unknown; namespace?: unknown } {
  if (raw === null || typeof raw !== 'object') return {};
  const metadata = (raw as { metadata?: unknown }).metadata;
  return metadata !== null && typeof metadata === 'object' ? metadata : {};
}

export const projectionFailure = {
  /** The key of an object that failed its projection, when its name is still readable. */
  keyOf(resource: ResourceId, raw: unknown): ObjectKey | undefined {
    const { name, namespace } = metadataOf(raw);
    if (typeof name !== 'string' || name === '') return undefined;
    return objectKey(resource, typeof namespace === 'string' ? namespace : undefined, name);
  },
  /** `namespace/name` of an object, escaped and shortened for a log line. */
  describe(raw: unknown): string {
    const { name, namespace } = metadataOf(raw);
    const text = `${typeof namespace === 'string' ? namespace + '/' : ''}${typeof name === 'string' ? name : '(no name)'}`;
    return JSON.stringify(text.slice(0, 300));
  },
};
