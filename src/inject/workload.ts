/**
 * Kubernetes objects as injection sees them: the kinds it changes, where each keeps its pod
 * template, and the check every input document passes first (documents come from files, stdin,
 * URLs and admission reviews, so they are untrusted: a document that is not an object with
 * `apiVersion`, `kind` and, for a workload, a readable pod template is refused with the path of
 * the first problem).
 *
 * Objects are plain JSON. Functions here never change their arguments.
 */
import { z } from 'zod';

export type JsonObject = Record<string, unknown>;

/** The kinds injection changes; `Namespace` gets only the inject annotation. */
export type WorkloadKind =
  | 'Deployment' | 'DaemonSet' | 'StatefulSet' | 'ReplicaSet' | 'ReplicationController' | 'Job' | 'CronJob' | 'Pod';
export type InjectableKind = WorkloadKind | 'Namespace';

/** Where a kind keeps its pod template (empty for a Pod, which is its own template). */
export const podTemplatePath: Readonly<Record<WorkloadKind, readonly string[]>> = {
  Deployment: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  Pod: [],
};

export function isWorkloadKind(kind: string): kind is WorkloadKind {
  return Object.hasOwn(podTemplatePath, kind);
}

const stringMap = z.record(z.string(), z.string());

const metadataSchema = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  labels: stringMap.nullish(),
  annotations: stringMap.nullish(),
});

const portSchema = z.looseObject({
  containerPort: z.number().int().min(1).max(65535),
  name: z.string().optional(),
  protocol: z.string().optional(),
});

const containerSchema = z.looseObject({
  name: z.string().min(1),
  ports: z.array(portSchema).nullish(),
});

const podSpecSchema = z.looseObject({
  containers: z.array(containerSchema),
  initContainers: z.array(containerSchema).nullish(),
  volumes: z.array(z.looseObject({ name: z.string().min(1) })).nullish(),
  hostNetwork: z.boolean().nullish(),
  serviceAccountName: z.string().nullish(),
});

const templateSchema = z.looseObject({ metadata: metadataSchema.nullish(), spec: podSpecSchema });

const objectSchema = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: metadataSchema.optional(),
});

/** An object that is not one injection can read (the message names the field). */
export class InvalidObjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidObjectError';
  }
}

export type CheckedDocument =
  | { readonly ok: true; readonly object: JsonObject }
  | { readonly ok: false; readonly problem: string };

function describe(issue: z.core.$ZodIssue | undefined, prefix: readonly string[]): string {
  if (issue === undefined) return 'not a Kubernetes object';
  const path = [...prefix, ...issue.path.map(String)].join('.');
  return path === '' ? issue.message : `${path}: ${issue.message}`;
}

/**
 * Checks that `value` is a Kubernetes object, and for a kind injection changes, that its pod
 * template has what injection reads. Unknown fields are kept; the object returned is `value`.
 */
export function checkDocument(value: unknown): CheckedDocument {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, problem: `not a Kubernetes object (a YAML ${value === null ? 'null' : Array.isArray(value) ? 'list' : typeof value})` };
  }
  const parsed = objectSchema.safeParse(value);
  if (!parsed.success) return { ok: false, problem: describe(parsed.error.issues[0], []) };
  const object = value as JsonObject;
  const kind = object['kind'] as string;
  if (!isWorkloadKind(kind)) return { ok: true, object };
  const path = podTemplatePath[kind];
  const template = path.length === 0 ? object : at(object, path);
  const checked = templateSchema.safeParse(template);
  if (!checked.success) return { ok: false, problem: describe(checked.error.issues[0], path) };
  return { ok: true, object };
}

/** The value at `path`, or undefined when a step is missing or not an object. */
export function at(object: JsonObject, path: readonly string[]): unknown {
  let current: unknown = object;
  for (const step of path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as JsonObject)[step];
  }
  return current;
}

/** A copy of `object` with the value at `path` (whose parents exist) replaced. */
export function withAt(object: JsonObject, path: readonly string[], value: unknown): JsonObject {
  if (path.length === 0) return value as JsonObject;
  const [head, ...rest] = path as [string, ...string[]];
  return { ...object, [head]: withAt(object[head] as JsonObject, rest, value) };
}

export function metadataOf(object: JsonObject): JsonObject {
  const metadata = object['metadata'];
  return metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata) ? metadata as JsonObject : {};
}

export function stringMapOf(value: unknown): Readonly<Record<string, string>> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, string> : {};
}

/** `metadata.name`, falling back to `generateName` as Linkerd's reports do. */
export function nameOf(object: JsonObject): string {
  const metadata = metadataOf(object);
  const name = metadata['name'];
  if (typeof name === 'string' && name !== '') return name;
  const generateName = metadata['generateName'];
  return typeof generateName === 'string' ? generateName : '';
}

export function namespaceOf(object: JsonObject): string {
  const namespace = metadataOf(object)['namespace'];
  return typeof namespace === 'string' ? namespace : '';
}

/**
 * The labels a workload's selector requires (`matchLabels`, or a ReplicationController's plain
 * map). Injection never changes them and un-injection never removes them: the pod template must
 * keep matching its selector.
 */
export function selectorLabels(object: JsonObject): Readonly<Record<string, string>> {
  if (object['kind'] === 'Pod') return {};
  const selector = at(object, ['spec', 'selector']);
  if (selector === null || typeof selector !== 'object' || Array.isArray(selector)) return {};
  const matchLabels = (selector as JsonObject)['matchLabels'];
  if (matchLabels !== undefined) return stringMapOf(matchLabels);
  return Object.fromEntries(Object.entries(selector as JsonObject).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}
