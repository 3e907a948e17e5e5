/**
 * "These objects must (or must not) exist": the shape of most linkerd-config and pre-install
 * checks. Lists the objects once and names every one that is missing, or every one found.
 */
import type { ClusterReader } from './cluster-reader.js';
import { namedSchema, parseAs } from './resources.js';

/** The names of the objects at a list path (optionally with a label selector). */
export async function listNames(client: ClusterReader, path: string, signal: AbortSignal, labelSelector?: string): Promise<string[]> {
  const items = await client.list(path, signal, labelSelector);
  return items.map((item) => parseAs(namedSchema, item, `an object at ${path}`).metadata.name);
}

/** Throws `missing <what>: a, b` unless every expected name is among `found`. */
export function requirePresent(what: string, found: readonly string[], expected: readonly string[]): void {
  const missing = expected.filter((name) => !found.includes(name)).sort();
  if (missing.length > 0) throw new Error(`missing ${what}: ${missing.join(', ')}`);
}

/** Throws `<what> found but should not exist: a b` if anything was found. */
export function requireAbsent(what: string, found: readonly string[]): void {
  if (found.length > 0) throw new Error(`${what} found but should not exist: ${[...found].sort().join(' ')}`);
}
