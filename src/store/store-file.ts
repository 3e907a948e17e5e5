/**
 * The store's durable copy in LMDB: objects, per-resource resourceVersions, materialized views.
 *
 * Contract:
 * - Opening never maps a file that has not been checked. A throwaway child process walks the whole
 *   file first (`verify-store.ts`): a truncated or corrupt LMDB file makes a reader crash with
 *   SIGBUS or SIGSEGV, so only a separate process can look at it safely. A missing, truncated,
 *   corrupt or other-schema store is deleted and rebuilt from a list; it is never served.
 * - The one exception: a store this code closed cleanly, untouched since, written by the same
 *   projection code (its fingerprint is in the store), is opened as 'clean-close' and trusted. `close` leaves a note of
 *   data.mdb's size, mtime and inode beside it; `open` deletes the note before anything else, and
 *   skips the walk only when the file still matches it exactly (any write, truncation or crash
 *   since changes or removes it).
 * - Writes are write-behind: `write` queues one batch; everything queued in one call lands in one
 *   LMDB transaction (lmdb-js commits the operations of one event turn together), so objects,
 *   resourceVersions and views are always consistent with each other after a crash.
 * - `backlog()` counts batches not yet committed, for the pipeline's backpressure.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { ObjectKey, ProjectedObject, ResourceId } from '../informers/object.js';
import type { Logger } from '../observe/logger.js';
import { projectionFingerprint } from './projection-fingerprint.js';

export const storeSchemaVersion = 2;

/**
 * Where msgpack keeps the record structures shared by all values of a database: objects of one
 * kind share their shape, so values stay small and decode fast. LMDB counts this entry too.
 */
export const structuresKey = Symbol.for('sinew.structures');

export interface StoreDatabases {
  readonly meta: Database<unknown, string>;
  readonly objects: Database<unknown, string>;
  readonly views: Database<unknown, string>;
}

/** Opens the store's databases the one way both the store and its verifier must read them. */
export function openDatabases(root: RootDatabase): StoreDatabases {
  return {
    meta: root.openDB<unknown, string>('meta', { encoding: 'json' }),
    objects: root.openDB<unknown, string>('objects', { sharedStructuresKey: structuresKey }),
    views: root.openDB<unknown, string>('views', { sharedStructuresKey: structuresKey }),
  };
}

export interface StoreWrite {
  readonly puts: readonly (readonly [ObjectKey, ProjectedObject])[];
  readonly removes: readonly ObjectKey[];
  readonly resourceVersions: readonly (readonly [ResourceId, string])[];
  readonly viewPuts: readonly (readonly [string, unknown])[];
  readonly viewRemoves: readonly string[];
  /** How many objects and views the store holds once this batch is in, for the verifier. */
  readonly counts: { readonly objects: number; readonly views: number };
}

export interface StoredState {
  readonly resourceVersions: ReadonlyMap<ResourceId, string>;
  readonly objects: readonly (readonly [ObjectKey, unknown])[];
  readonly views: readonly (readonly [string, unknown])[];
}

/** How a store came to be served: created empty, walked by the verifier, or trusted after a clean close. */
export type StoreOpening = 'new' | 'verified' | 'clean-close';

export class StoreFile {
  private pending = 0;
  private lastWrite: Promise<unknown> = Promise.resolve();

  private constructor(private readonly dir: string, private readonly root: RootDatabase, private readonly meta: Database<unknown, string>,
    private readonly objects: Database<unknown, string>, private readonly views: Database<unknown, string>) {}

  /** Opens the store at `dir`, first verifying it; `rebuilt` says why an old one was discarded. */
  static async open(dir: string, log: Logger, options: { discard?: boolean } = {}): Promise<{ file: StoreFile; rebuilt: string | undefined; opened: StoreOpening }> {
    let rebuilt: string | undefined;
    let opened: StoreOpening = 'new';
    if (options.discard === true) fs.rmSync(dir, { recursive: true, force: true });
    if (fs.existsSync(dir) && takeCleanCloseNote(dir)) opened = 'clean-close';
    else if (fs.existsSync(dir)) {
      opened = 'verified';
      const problem = await verifyInChild(dir);
      if (problem !== undefined) {
        log.warn('store discarded; it will be rebuilt from a list', { dir, reason: problem });
        fs.rmSync(dir, { recursive: true, force: true });
        rebuilt = problem;
        opened = 'new';
      }
    }
    const root = open({ path: dir, noSync: true, compression: false });
    const { meta, objects, views } = openDatabases(root);
    if (meta.get('schema') === undefined) await meta.put('schema', { version: storeSchemaVersion });
    if (opened === 'clean-close' && meta.get('projections') !== projectionFingerprint()) opened = 'verified';
    await meta.put('projections', projectionFingerprint());
    return { file: new StoreFile(dir, root, meta, objects, views), rebuilt, opened };
  }

  load(): StoredState {
    const resourceVersions = new Map<ResourceId, string>();
    for (const { key, value } of this.meta.getRange({ start: 'rv:', end: 'rv;' })) {
      if (typeof value === 'string') resourceVersions.set(key.slice(3) as ResourceId, value);
    }
    const objects: (readonly [ObjectKey, unknown])[] = [];
    for (const { key, value } of this.objects.getRange({})) objects.push([key as ObjectKey, value]);
    const views: (readonly [string, unknown])[] = [];
    for (const { key, value } of this.views.getRange({})) views.push([key, value]);
    return { resourceVersions, objects, views };
  }

  /** Queues one batch; all of it commits in one transaction (lmdb-js commits one event turn together). */
  write(batch: StoreWrite): void {
    const changes = batch.puts.length + batch.removes.length + batch.resourceVersions.length
      + batch.viewPuts.length + batch.viewRemoves.length;
    if (changes === 0) return;
    for (const [key, object] of batch.puts) void this.objects.put(key, object);
    for (const key of batch.removes) void this.objects.remove(key);
    for (const [resource, version] of batch.resourceVersions) void this.meta.put(`rv:${resource}`, version);
    for (const [key, view] of batch.viewPuts) void this.views.put(key, view);
    for (const key of batch.viewRemoves) void this.views.remove(key);
    void this.meta.put('count:objects', batch.counts.objects);
    const committed = this.meta.put('count:views', batch.counts.views);
    this.pending++;
    this.lastWrite = committed.finally(() => { this.pending--; });
  }

  backlog(): number {
    return this.pending;
  }

  /** Resolves once everything written so far is committed. */
  async flushed(): Promise<void> {
    await this.lastWrite;
    await this.root.flushed;
  }

  async close(): Promise<void> {
    await this.flushed();
    await this.root.close();
    writeCleanCloseNote(this.dir);
  }
}

const noteName = 'clean-close.json';

function fileStamp(dir: string): string | undefined {
  try {
    const stat = fs.statSync(path.join(dir, 'data.mdb'), { bigint: true });
    return JSON.stringify({ size: String(stat.size), mtimeNs: String(stat.mtimeNs), ino: String(stat.ino), schema: storeSchemaVersion });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function writeCleanCloseNote(dir: string): void {
  const stamp = fileStamp(dir);
  if (stamp !== undefined) fs.writeFileSync(path.join(dir, noteName), stamp);
}

/** Removes the clean-close note and says whether data.mdb is still exactly what it describes. */
function takeCleanCloseNote(dir: string): boolean {
  const note = path.join(dir, noteName);
  let text: string;
  try {
    text = fs.readFileSync(note, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  fs.rmSync(note, { force: true });
  return text === fileStamp(dir);
}

/** Runs the verifier in a child process; returns why the store is unusable, or undefined. */
function verifyInChild(dir: string): Promise<string | undefined> {
  const script = fileURLToPath(new URL('./verify-store.js', import.meta.url));
  return new Promise((resolve) => {
    execFile(process.execPath, [script, dir], { timeout: 60_000, maxBuffer: 1024 * 1024 }, (error, stdout) => {
      if (error === null) return resolve(undefined);
      const signal = (error as { signal?: string | null }).signal;
      if (signal) return resolve(`the verifier crashed reading it (${signal}): truncated or corrupt`);
      resolve(stdout.trim() || error.message);
    });
  });
}
