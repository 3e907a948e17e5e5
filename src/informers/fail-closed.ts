/**
 * Fail-closed projections for policy kinds.
 *
 * Dropping a policy object because its spec does not parse would silently widen access (a missing
 * Server falls back to the default policy; a missing authentication is simply not there). So a
 * policy projection fails only when the object cannot be named (bad apiVersion, kind or metadata).
 * When only the spec is bad, it yields an `InvalidProjection` carrying the first problem found, and
 * the reconcilers deny on it. A kind may name the fields that say what the object targets (a
 * Server's port and pod selector, a route's parents): when those parse on their own they are kept
 * as `salvaged`, so the denial lands where the object meant it, not on everything it might mean.
 *
 * Idempotent: an `InvalidProjection` parses to itself, and a valid projection parses to itself.
 */
import { z } from 'zod';
import type { ObjectMeta, ProjectedObject } from './object.js';

/** A policy object whose spec did not parse: enough to key it, plus why it was rejected. */
export interface InvalidProjection extends ProjectedObject {
  /** `<field path>: <message>` of the first issue, e.g. `spec.port: Invalid input` or `spec.foo: unknown field`. */
  readonly invalid: string;
  /** The targeting fields that parsed on their own (see the kind's salvage schema), if any. */
  readonly salvaged?: unknown;
}

export function isInvalid<T extends ProjectedObject>(object: T | InvalidProjection): object is InvalidProjection {
  return 'invalid' in object && typeof object.invalid === 'string';
}

/** The fields a full policy schema must declare so that a bad spec can still be keyed. */
interface EnvelopeShape extends z.core.$ZodShape {
  readonly apiVersion: z.ZodType<string>;
  readonly kind: z.ZodType<string>;
  readonly metadata: z.ZodType<ObjectMeta>;
}

/**
 * Wraps a full projection so that a valid envelope with a bad spec becomes an `InvalidProjection`
 * instead of a parse failure. Bad apiVersion, kind or metadata still fail.
 */
export function failClosed<Shape extends EnvelopeShape>(
  full: z.ZodObject<Shape>,
  salvage?: z.ZodType,
): z.ZodType<z.output<z.ZodObject<Shape>> | InvalidProjection> {
  const envelope = z.looseObject({
    apiVersion: full.shape.apiVersion,
    kind: full.shape.kind,
    metadata: full.shape.metadata,
  });
  return envelope.transform((object): z.output<z.ZodObject<Shape>> | InvalidProjection => {
    const { apiVersion, kind, metadata } = object;
    const previous = object['invalid'];
    const salvaged = (source: unknown): { salvaged?: unknown } => {
      const kept = salvage?.safeParse(source);
      return kept?.success === true ? { salvaged: kept.data } : {};
    };
    if (typeof previous === 'string') return { apiVersion, kind, metadata, invalid: previous, ...salvaged(object['salvaged']) };
    const result = full.safeParse(object);
    if (result.success) return result.data;
    return { apiVersion, kind, metadata, invalid: describeIssue(result.error.issues[0]), ...salvaged(object) };
  });
}

/**
 * `<field path>: <message>` for one zod issue. An unknown field is named in the path itself
 * (`spec.rules[0].retries: unknown field`), so the message says which field Sinew does not know.
 */
export function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (issue === undefined) return 'spec: Invalid input';
  if (issue.code === 'unrecognized_keys') {
    const fields = issue.keys.map((key) => pathText([...issue.path, key]));
    return `${fields.join(', ')}: unknown field${fields.length === 1 ? '' : 's'}`;
  }
  return `${pathText(issue.path)}: ${unionTypeMessage(issue) ?? issue.message}`;
}

/** For a value that is none of a union's types, `expected number or string` rather than zod's bare `Invalid input`. */
function unionTypeMessage(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return undefined;
  const expected: string[] = [];
  for (const branch of issue.errors) {
    const only = branch[0];
    if (branch.length !== 1 || only === undefined || only.code !== 'invalid_type' || only.path.length !== 0) return undefined;
    expected.push(only.expected);
  }
  return `Invalid input: expected ${[...new Set(expected)].join(' or ')}`;
}

function pathText(path: readonly PropertyKey[]): string {
  const text = formatPath(path);
  return text === '' ? '(root)' : text;
}

/** `spec.rules[0].matches[1].path`: dotted names, bracketed indexes and odd keys. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}
