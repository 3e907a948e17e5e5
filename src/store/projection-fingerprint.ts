/**
 * A fingerprint of the projection code: a hash over the compiled files that decide what a stored
 * object looks like (the kinds, their shared pieces, tombstones). A store records the fingerprint
 * it was written with; a store closed cleanly under the same fingerprint holds only values these
 * very projections produced, so its entries need no second zod parse on load. Any change to that
 * code, even one that forgot to bump the schema version, changes the fingerprint.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function projectionFingerprint(): string {
  if (cached !== undefined) return cached;
  const informers = fileURLToPath(new URL('../informers/', import.meta.url));
  const kinds = fileURLToPath(new URL('../informers/kinds/', import.meta.url));
  const files = [
    ...['object.js', 'fail-closed.js', 'tombstone.js', 'kind.js'].map((name) => informers + name),
    ...fs.readdirSync(kinds).filter((name) => name.endsWith('.js')).sort().map((name) => kinds + name),
  ];
  const hash = createHash('sha256');
  for (const file of files) hash.update(file.slice(informers.length)).update('\u0000').update(fs.readFileSync(file)).update('\u0000');
  cached = hash.digest('hex');
  return cached;
}
