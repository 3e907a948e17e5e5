/**
 * Kubernetes objects as the fake API server holds them, and the check every incoming one passes.
 *
 * Contract: `parseIncoming` accepts any JSON object with a `metadata` object (name, or generateName
 * for creates) and returns a private deep copy; it never keeps a reference to the caller's object.
 * Objects stored by the fake are deeply frozen; everything handed back to tests is a fresh, mutable
 * copy, so a test may edit what it got and pass it back.
 */
import { z } from 'zod';
import { deepFreeze } from '../../src/informers/object.js';
import { statusErrors } from './kube-status.js';

export interface KubeObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  generateName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeObjectMeta;
  [field: string]: unknown;
}

export interface IncomingMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  generateName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** What a test or a request body may hand in: apiVersion, kind and name may still be missing. */
export interface IncomingObject {
  apiVersion?: string;
  kind?: string;
  metadata: IncomingMeta;
  [field: string]: unknown;
}

const stringMap = z.record(z.string(), z.string());

const incomingSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: z.looseObject({
    name: z.string().min(1).max(253).optional(),
    generateName: z.string().min(1).optional(),
    namespace: z.string().optional(),
    resourceVersion: z.string().optional(),
    uid: z.string().optional(),
    generation: z.number().int().optional(),
    labels: stringMap.optional(),
    annotations: stringMap.optional(),
  }),
});

/** Validates an object from a test or a request body and returns a private copy of it. */
export function parseIncoming(input: unknown, kind: string): IncomingObject {
  const parsed = incomingSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : issue.path.join('.');
    throw statusErrors.invalid(kind, nameOf(input), `${where}: ${issue?.message ?? 'invalid object'}`);
  }
  return jsonCopy(parsed.data as IncomingObject);
}

function nameOf(input: unknown): string {
  if (typeof input !== 'object' || input === null) return '';
  const metadata = (input as { metadata?: unknown }).metadata;
  if (typeof metadata !== 'object' || metadata === null) return '';
  const name = (metadata as { name?: unknown }).name;
  return typeof name === 'string' ? name : '';
}

/** A deep copy through JSON: what a client would get after the object crossed the wire. */
export function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export function freezeObject(object: KubeObject): KubeObject {
  return deepFreeze(object);
}

/** The storage key: `<namespace>/<name>`, or `<name>` for cluster-scoped objects. Sorts like etcd. */
export function storageKey(namespace: string | undefined, name: string): string {
  return namespace === undefined || namespace === '' ? name : `${namespace}/${name}`;
}

export function keyOfObject(object: KubeObject): string {
  return storageKey(object.metadata.namespace, object.metadata.name);
}

/** Seconds-precision RFC 3339, as the API server writes timestamps. */
export function nowTimestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}
