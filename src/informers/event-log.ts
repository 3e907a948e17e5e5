/**
 * The event log (DESIGN.md "The event log"): writing what the informers deliver, and reading it
 * back as the same events, so that replay runs the very same pipeline.
 *
 * Format: one JSON object a line, `{"at": RFC 3339, "type": "ADDED"|"MODIFIED"|"DELETED", "object"}`.
 * The reader also takes `kubectl get … --watch --output-watch-events -o json` output (concatenated,
 * pretty-printed `{"type", "object"}` values without `at`). Objects are projected on the way in and
 * on the way out, so a log never holds more than the projections keep (no Secrets, no env).
 *
 * Reading contract: entries come in file order. Text that is not JSON, or JSON that is not an
 * entry, stops the read with the file name and line (`EventLogError`). An object of a kind Sinew
 * does not watch, or one that fails its projection, is counted and skipped; reading goes on.
 */
import fs from 'node:fs';
import { z } from 'zod';
import type { Logger } from '../observe/logger.js';
import type { ObjectChange } from './event.js';
import { type KindSpec, keyOf, resourceId } from './kind.js';
import { jsonValues, JsonSyntaxError } from './json-values.js';
import { allKinds } from './kinds/index.js';
import type { ProjectedObject } from './object.js';
import { project } from './projection.js';
import { tombstoneSchema } from './tombstone.js';

export class EventLogError extends Error {
  constructor(readonly file: string, readonly line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'EventLogError';
  }
}

export interface LogEntry {
  /** When it happened; undefined for kubectl output, which has no times. */
  readonly at: Date | undefined;
  readonly line: number;
  readonly change: ObjectChange;
}

export interface LogReadStats {
  skippedUnknownKind: number;
  skippedInvalid: number;
  skippedOtherTypes: number;
}

const entrySchema = z.object({
  at: z.string().optional(),
  type: z.string(),
  object: z.object({ apiVersion: z.string(), kind: z.string() }).passthrough(),
});

const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export async function* readEventLog(file: string, kinds: readonly KindSpec[], log: Logger,
  stats: LogReadStats = { skippedUnknownKind: 0, skippedInvalid: 0, skippedOtherTypes: 0 }): AsyncGenerator<LogEntry> {
  const byKind = new Map(kinds.map((spec) => [`${spec.group}/${spec.kind}`, spec]));
  const warned = new Set<string>();
  const stream = fs.createReadStream(file, { encoding: 'utf8' });
  try {
    for await (const { text, line } of jsonValues(stream as AsyncIterable<string>)) {
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (error) {
        throw new EventLogError(file, line, `not valid JSON: ${(error as Error).message}`);
      }
      const entry = entrySchema.safeParse(raw);
      if (!entry.success) {
        const issue = entry.error.issues[0];
        throw new EventLogError(file, line, `not a log entry: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim());
      }
      const { at, type, object } = entry.data;
      if (at !== undefined && (!rfc3339.test(at) || Number.isNaN(Date.parse(at)))) {
        throw new EventLogError(file, line, `"at" is not an RFC 3339 time: ${JSON.stringify(at.slice(0, 64))}`);
      }
      if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') {
        stats.skippedOtherTypes++;
        continue;
      }
      const group = object.apiVersion.includes('/') ? object.apiVersion.slice(0, object.apiVersion.indexOf('/')) : '';
      const spec = byKind.get(`${group}/${object.kind}`);
      if (spec === undefined) {
        stats.skippedUnknownKind++;
        const name = JSON.stringify(`${object.apiVersion} ${object.kind}`.slice(0, 200));
        if (!warned.has(name)) log.warn('log entries of a kind Sinew does not watch are skipped', { file, line, kind: name });
        warned.add(name);
        continue;
      }
      const projected = projectEntry(spec, type, object);
      if (projected === undefined) {
        stats.skippedInvalid++;
        log.warn('log entry skipped: its object does not fit its projection', { file, line });
        continue;
      }
      const resource = resourceId(spec);
      yield { at: at === undefined ? undefined : new Date(at), line, change: { type, resource, key: keyOf(resource, projected), object: projected } };
    }
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw new EventLogError(file, error.line, error.message);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new EventLogError(file, 0, 'no such file');
    throw error;
  } finally {
    stream.destroy();
  }
}

/** A DELETED entry may hold only the object's identity (a tombstone); others need the full projection. */
function projectEntry(spec: KindSpec, type: string, raw: unknown): ProjectedObject | undefined {
  const full = project(spec, raw);
  if (full.ok) return full.object;
  if (type !== 'DELETED') return undefined;
  const identity = tombstoneSchema.safeParse(raw);
  return identity.success ? identity.data : undefined;
}

/**
 * Appends changes to a log file, one line each. Writes are synchronous and whole-line. Every object
 * is projected again on the way out, so whatever a caller hands in, the file holds only what the
 * projections keep (no env, no Secrets); a change that fits no projection is not written.
 */
export class EventLogWriter {
  private readonly fd: number;
  private readonly byResource: ReadonlyMap<string, KindSpec>;

  constructor(readonly file: string, private readonly now: () => Date = () => new Date(), kinds: readonly KindSpec[] = allKinds) {
    this.byResource = new Map(kinds.map((spec) => [resourceId(spec), spec]));
    this.fd = fs.openSync(file, 'a');
  }

  write(changes: readonly ObjectChange[]): void {
    const at = this.now().toISOString();
    const lines: string[] = [];
    for (const change of changes) {
      const spec = this.byResource.get(change.resource);
      const object = spec === undefined ? undefined : projectEntry(spec, change.type, change.object);
      if (object !== undefined) lines.push(JSON.stringify({ at, type: change.type, object }));
    }
    if (lines.length > 0) fs.writeSync(this.fd, lines.join('\n') + '\n');
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
