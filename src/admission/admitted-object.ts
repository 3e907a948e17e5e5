/**
 * The object under admission, as the API server presents it: a CREATE's object has no
 * resourceVersion yet and may have only a generateName, so the informers' metadata projection
 * (which requires both) is relaxed here. The namespace is required, and taken from the request
 * when the object leaves it out.
 *
 * Pure: nothing here reads or writes state.
 */
import { z } from 'zod';
import { metadataSchema } from '../informers/object.js';

export const admittedMetadataSchema = metadataSchema.extend({
  name: z.string().min(1).max(253).optional(),
  generateName: z.string().max(253).optional(),
  namespace: z.string().min(1).max(63),
  resourceVersion: z.string().optional(),
});

/** The object with `metadata.namespace` filled from the request when it is absent. */
export function withRequestNamespace(object: unknown, namespace: string | undefined): unknown {
  if (namespace === undefined || namespace === '' || !isRecord(object)) return object;
  const metadata = object['metadata'];
  if (!isRecord(metadata) || metadata['namespace'] !== undefined) return object;
  return { ...object, metadata: { ...metadata, namespace } };
}

/** The object's name for messages: its name, its generateName with a `*`, or `(unnamed)`. */
export function displayName(metadata: { readonly name?: string | undefined; readonly generateName?: string | undefined }): string {
  return metadata.name ?? (metadata.generateName === undefined ? '(unnamed)' : `${metadata.generateName}*`);
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
