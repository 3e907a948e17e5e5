/**
 * Verifies a store directory, as a child process of the one that wants to open it.
 *
 * Walks every entry of every database: the schema version must be ours, every object must parse
 * with its kind's projection and sit under its own key, every view must be a snapshot, and each
 * walk must meet as many entries as LMDB's own count and the count the store wrote with its last
 * commit (lmdb-js ends an iteration quietly at a corrupt page, so a short walk is corruption).
 * Prints the first problem and exits 1. If the file is truncated or corrupt, LMDB may crash this process with
 * SIGBUS or SIGSEGV; the parent reads that as "corrupt", which is why this runs apart.
 */
import fs from 'node:fs';
import path from 'node:path';
import { open, type Database } from 'lmdb';
import { keyOf, resourceId, resourceOfKey } from '../informers/kind.js';
import { allKinds } from '../informers/kinds/index.js';
import { snapshotSchema } from '../streams/snapshot.js';
import { openDatabases, storeSchemaVersion, structuresKey } from './store-file.js';

export function verifyStore(dir: string): string | undefined {
  const data = path.join(dir, 'data.mdb');
  if (!fs.existsSync(data)) return 'no data.mdb';
  if (fs.statSync(data).size < 8192) return 'data.mdb is shorter than its two meta pages';
  const root = open({ path: dir, readOnly: true, compression: false });
  try {
    const { meta, objects, views } = openDatabases(root);
    const schema = meta.get('schema') as { version?: unknown } | undefined;
    if (schema?.version !== storeSchemaVersion) {
      return `schema version ${JSON.stringify(schema?.version)} is not ${storeSchemaVersion}`;
    }
    const kinds = new Map(allKinds.map((spec) => [resourceId(spec) as string, spec]));
    let walked = 0;
    for (const { key, value } of objects.getRange({})) {
      walked++;
      const spec = kinds.get(resourceOfKey(key as never));
      if (spec === undefined) return `object ${JSON.stringify(key)} is of no known resource`;
      const parsed = spec.schema.safeParse(value);
      if (!parsed.success) return `object ${JSON.stringify(key)} does not parse: ${parsed.error.issues[0]?.message ?? ''}`;
      if (keyOf(resourceId(spec), parsed.data) !== key) return `object ${JSON.stringify(key)} is stored under another key`;
    }
    const objectsProblem = countProblem('objects', walked, entryCount(objects), meta.get('count:objects'));
    if (objectsProblem !== undefined) return objectsProblem;
    walked = 0;
    for (const { key, value } of views.getRange({})) {
      walked++;
      if (!snapshotSchema.safeParse(value).success) return `view ${JSON.stringify(key)} is not a snapshot`;
    }
    return countProblem('views', walked, entryCount(views), meta.get('count:views'));
  } finally {
    root.close();
  }
}

/** LMDB's own count of a database's values, less the shared-structures entry. */
function entryCount(db: Database<unknown, string>): unknown {
  const count = (db.getStats() as { entryCount?: unknown }).entryCount;
  const hasStructures = (db as unknown as Database<unknown, symbol>).get(structuresKey) !== undefined;
  return typeof count === 'number' && hasStructures ? count - 1 : count;
}

function countProblem(what: string, walked: number, lmdbCount: unknown, written: unknown): string | undefined {
  if (walked !== lmdbCount) return `corrupt: the walk met ${walked} ${what} where LMDB counts ${String(lmdbCount)}`;
  if (written !== undefined && walked !== written) return `corrupt: the walk met ${walked} ${what} where the last commit left ${String(written)}`;
  return undefined;
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const dir = process.argv[2];
  let problem: string | undefined;
  try {
    problem = dir === undefined ? 'usage: verify-store DIR' : verifyStore(dir);
  } catch (error) {
    problem = `unreadable: ${(error as Error).message}`;
  }
  if (problem !== undefined) {
    process.stdout.write(problem + '\n');
    process.exitCode = 1;
  }
}
