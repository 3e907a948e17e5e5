/**
 * The generic reflector: one kind's list/watch loop, with client-go's semantics.
 *
 * Contract:
 * - LIST (paginated, one snapshot), then WATCH from the list's resourceVersion with bookmarks.
 *   A LIST becomes one RELISTED event holding every difference from what the reflector knew:
 *   new and changed objects, and DELETED for objects missing from the list.
 * - A watch that ends cleanly is resumed from the last resourceVersion seen (event or bookmark),
 *   with no list. 410 Gone, at watch start or as an in-stream ERROR, forces a relist.
 * - A watch line that cannot be parsed is counted and forces a relist; it is never dropped silently.
 * - Any other error backs off (0.8 s doubling to 30 s, jittered; Retry-After honoured) and tries
 *   again. The loop never stops for good; only unsubscribing ends it.
 * - An object that fails its projection is counted, logged once per key, and skipped; if that key
 *   was known, it is reported DELETED (the reflector no longer knows a true state for it).
 * - Per object, the states emitted are an in-order subsequence of the server's. Duplicates are
 *   possible across a relist only if the object changed; an unchanged resourceVersion is not re-sent.
 * - Events are emitted synchronously as lines arrive; `awaitCapacity` lets the consumer pause the
 *   reading of the response (TCP backpressure) instead of buffering without bound.
 */
import { Observable, type Subscriber } from 'rxjs';
import { z } from 'zod';
import type { ApiClient, ApiResponse } from './api-client.js';
import { parseJson, readBody } from './api-client.js';
import { ApiError, ExpiredError, MalformedEventError, apiErrorFor } from './api-error.js';
import { type BackoffPolicy, defaultBackoff, nextDelay, startBackoff } from './backoff.js';
import type { InformerEvent, ObjectChange } from './event.js';
import { apiVersionOf, collectionPath, type KindSpec, keyOf, resourceId } from './kind.js';
import { lineBatches } from './line-splitter.js';
import type { ObjectKey, ProjectedObject, ResourceId } from './object.js';
import { tombstone } from './tombstone.js';
import { IdleTimer } from './idle-timer.js';
import { describe, resourceVersionOf, statusBody, statusMessage, watchEvent } from './watch-event.js';
import { projectionFailure, project } from './projection.js';
import type { EngineMetrics } from '../observe/metrics.js';
import { type Logger, silentLogger } from '../observe/logger.js';

/** What the store already holds for a kind: a watch resumes from it instead of listing. */
export interface ReflectorSeed {
  readonly resourceVersion: string | undefined;
  readonly keys: ReadonlyMap<ObjectKey, string>;
}

export interface ReflectorOptions {
  readonly spec: KindSpec;
  readonly client: ApiClient;
  readonly seed?: ReflectorSeed;
  readonly backoff?: BackoffPolicy;
  readonly pageSize?: number;
  /** A LIST page, or a watch with no bytes at all, that takes longer than this is abandoned. */
  readonly requestTimeoutMs?: number;
  /** Server-side watch timeout; client-go picks 5 to 10 minutes at random. */
  readonly watchTimeoutSeconds?: () => number;
  readonly maxLineBytes?: number;
  readonly metrics?: EngineMetrics;
  readonly log?: Logger;
  readonly random?: () => number;
  readonly awaitCapacity?: () => Promise<void> | undefined;
}


const listBody = z.object({
  metadata: z.object({ resourceVersion: z.string().optional(), continue: z.string().optional() }),
  items: z.array(z.unknown()),
});

export function reflect(options: ReflectorOptions): Observable<InformerEvent> {
  return new Observable<InformerEvent>((subscriber) => {
    const abort = new AbortController();
    const loop = new ReflectorLoop(options, subscriber, abort.signal);
    loop.run().catch((error: unknown) => {
      if (!abort.signal.aborted) subscriber.error(error);
    });
    return () => abort.abort();
  });
}

class ReflectorLoop {
  private readonly resource: ResourceId;
  private readonly log: Logger;
  private readonly known: Map<ObjectKey, string>;
  private resourceVersion: string | undefined;
  private synced = false;
  private readonly loggedKeys = new Set<string>();

  constructor(private readonly options: ReflectorOptions, private readonly out: Subscriber<InformerEvent>,
    private readonly signal: AbortSignal) {
    this.resource = resourceId(options.spec);
    this.log = (options.log ?? silentLogger).child({ resource: this.resource });
    this.known = new Map(options.seed?.keys ?? []);
    this.resourceVersion = options.seed?.resourceVersion;
  }

  async run(): Promise<void> {
    let backoff = startBackoff(this.options.backoff ?? defaultBackoff);
    let relistReason: string | undefined = this.resourceVersion === undefined ? 'initial' : undefined;
    while (!this.signal.aborted) {
      try {
        if (relistReason !== undefined) {
          this.options.metrics?.informerRelists.inc({ resource: this.resource, reason: relistReason });
          const served = await this.relist();
          if (!served) {
            relistReason = 'absent';
            await this.sleep(backoff.policy.maxMs);
            continue;
          }
          relistReason = undefined;
        }
        const sawEvents = await this.watch();
        if (sawEvents) backoff = startBackoff(backoff.policy);
        else await this.sleep(nextDelay(backoff, this.options.random).delayMs);
      } catch (error) {
        if (this.signal.aborted) return;
        const reason = errorReason(error);
        this.options.metrics?.informerErrors.inc({ resource: this.resource, reason });
        if (error instanceof ExpiredError || error instanceof MalformedEventError) {
          this.log.info('relisting', { reason, error: describe(error) });
          relistReason = reason;
        } else {
          this.log.warn('list/watch failed; backing off', { reason, error: describe(error) });
        }
        // Backoff grows across failed relists too; only a watch that delivers events resets it.
        const { delayMs, next } = nextDelay(backoff, this.options.random);
        backoff = next;
        const retryAfter = error instanceof ApiError ? error.retryAfterMs ?? 0 : 0;
        await this.sleep(Math.max(delayMs, retryAfter));
      }
    }
  }

  /**
   * Lists every page of one snapshot and emits the difference from what was known. Returns false
   * when an optional kind is not served (its CRD is absent): everything known of it is deleted.
   */
  private async relist(): Promise<boolean> {
    const { spec } = this.options;
    const listed = new Map<ObjectKey, ProjectedObject>();
    let listVersion = '';
    let continueToken: string | undefined;
    let served = true;
    do {
      const query: Record<string, string> = { limit: String(this.options.pageSize ?? 500) };
      if (continueToken !== undefined) query.continue = continueToken;
      const response = await this.request(collectionPath(spec), query);
      if (response.status === 404 && spec.optional) {
        response.body.resume();
        served = false;
        break;
      }
      const body = await this.readJson(response, 'list');
      const page = listBody.safeParse(body);
      if (!page.success) throw new ApiError(`list ${this.resource}: not a list (${page.error.issues[0]?.message ?? ''})`, 0, 'retryable');
      for (const item of page.data.items) this.accept(withTypeMeta(spec, item), listed);
      listVersion = page.data.metadata.resourceVersion ?? listVersion;
      continueToken = page.data.metadata.continue === '' ? undefined : page.data.metadata.continue;
    } while (continueToken !== undefined && !this.signal.aborted);

    const changes: ObjectChange[] = [];
    for (const [key, version] of [...this.known].sort(byKey)) {
      if (!listed.has(key)) changes.push(this.deleted(key, version));
    }
    for (const [key, object] of [...listed].sort(byKey)) {
      const before = this.known.get(key);
      if (before === object.metadata.resourceVersion) continue;
      changes.push({ type: before === undefined ? 'ADDED' : 'MODIFIED', resource: this.resource, key, object });
    }
    this.known.clear();
    for (const [key, object] of listed) this.known.set(key, object.metadata.resourceVersion);
    this.resourceVersion = listVersion;
    for (const change of changes) this.options.metrics?.informerEvents.inc({ resource: this.resource, type: change.type });
    this.out.next({ type: 'RELISTED', resource: this.resource, resourceVersion: listVersion, changes });
    this.markSynced();
    return served;
  }

  /** Projects one listed item into `into`; an item that fails is counted and left out. */
  private accept(raw: unknown, into: Map<ObjectKey, ProjectedObject>): void {
    const result = project(this.options.spec, raw);
    if (result.ok) into.set(keyOf(this.resource, result.object), result.object);
    else this.reportInvalid(result.error, raw);
  }

  /** Watches from the last resourceVersion until the stream ends. Returns whether anything arrived. */
  private async watch(): Promise<boolean> {
    const { spec } = this.options;
    const timeoutSeconds = this.options.watchTimeoutSeconds?.() ?? Math.floor(300 + 300 * Math.random());
    const query: Record<string, string> = {
      watch: 'true', allowWatchBookmarks: 'true', timeoutSeconds: String(timeoutSeconds),
      resourceVersion: this.resourceVersion ?? '',
    };
    const idleLimitMs = timeoutSeconds * 1000 + (this.options.requestTimeoutMs ?? 60_000);
    const response = await this.request(collectionPath(spec), query);
    if (response.status === 404 && spec.optional) {
      response.body.resume();
      throw new ExpiredError(`${this.resource}: no longer served (CRD removed?)`);
    }
    if (response.status !== 200) throw await this.statusError(response);
    this.markSynced();
    let sawEvents = false;
    const idle = new IdleTimer(idleLimitMs, () => response.body.destroy(new ApiError('watch idle', 0, 'retryable')));
    try {
      for await (const batch of lineBatches(response.body, this.options.maxLineBytes ?? 16 * 1024 * 1024)) {
        idle.touch();
        for (const line of batch) this.handleLine(line);
        sawEvents = true;
        const wait = this.options.awaitCapacity?.();
        if (wait !== undefined) await wait;
      }
    } finally {
      idle.stop();
      response.body.destroy();
    }
    return sawEvents;
  }

  private handleLine(line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      throw this.malformed(`not JSON: ${(error as Error).message}`);
    }
    const envelope = watchEvent(parsed);
    if (typeof envelope === 'string') throw this.malformed(`not a watch event: ${envelope}`);
    const { type, object } = envelope;
    if (type === 'ERROR') {
      const status = statusBody.safeParse(object);
      const code = status.success ? status.data.code ?? 0 : 0;
      const message = status.success ? status.data.message ?? '' : '';
      throw apiErrorFor(code === 0 ? 500 : code, `watch error: ${message}`);
    }
    const version = resourceVersionOf(object);
    if (version === undefined || version === '') throw this.malformed(`${type} event without metadata.resourceVersion`);
    if (type === 'BOOKMARK') {
      this.resourceVersion = version;
      this.out.next({ type: 'BOOKMARK', resource: this.resource, resourceVersion: version });
      return;
    }
    this.resourceVersion = version;
    const result = project(this.options.spec, object);
    if (!result.ok) {
      this.reportInvalid(result.error, object);
      const key = projectionFailure.keyOf(this.resource, object);
      const before = key === undefined ? undefined : this.known.get(key);
      if (key !== undefined && before !== undefined) this.emit(this.deleted(key, version));
      return;
    }
    const key = keyOf(this.resource, result.object);
    const before = this.known.get(key);
    if (type === 'DELETED') {
      this.known.delete(key);
      this.emit({ type, resource: this.resource, key, object: result.object });
    } else {
      this.known.set(key, version);
      this.emit({ type: before === undefined ? 'ADDED' : 'MODIFIED', resource: this.resource, key, object: result.object });
    }
  }

  private emit(change: ObjectChange): void {
    this.options.metrics?.informerEvents.inc({ resource: this.resource, type: change.type });
    this.options.metrics?.informerLastEventSeconds.set({ resource: this.resource }, Date.now() / 1000);
    this.out.next(change);
  }

  private deleted(key: ObjectKey, version: string): ObjectChange {
    this.known.delete(key);
    return { type: 'DELETED', resource: this.resource, key, object: tombstone(this.options.spec, key, version) };
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    this.out.next({ type: 'SYNCED', resource: this.resource });
  }

  private reportInvalid(message: string, raw: unknown): void {
    this.options.metrics?.informerProjectionErrors.inc({ resource: this.resource });
    const name = projectionFailure.describe(raw);
    if (this.loggedKeys.has(name) || this.loggedKeys.size > 10_000) return;
    this.loggedKeys.add(name);
    this.log.warn('object skipped: it does not fit its projection', { object: name, error: message });
  }

  private malformed(message: string): MalformedEventError {
    this.options.metrics?.informerMalformedLines.inc({ resource: this.resource });
    return new MalformedEventError(`${this.resource}: ${message}`);
  }

  /**
   * Starts a request; `requestTimeoutMs` bounds only the wait for the response headers. A body is
   * bounded by idle timers instead, so a healthy watch lives its full timeoutSeconds.
   */
  private async request(path: string, query: Record<string, string>): Promise<ApiResponse> {
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    this.signal.addEventListener('abort', abort, { once: true });
    const timer = setTimeout(() => controller.abort(new ApiError('no response headers in time', 0, 'retryable')),
      this.options.requestTimeoutMs ?? 60_000);
    try {
      const response = await this.options.client.get(path, query, controller.signal);
      response.body.once('close', () => this.signal.removeEventListener('abort', abort));
      return response;
    } catch (error) {
      this.signal.removeEventListener('abort', abort);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async readJson(response: ApiResponse, what: string): Promise<unknown> {
    if (response.status !== 200) throw await this.statusError(response);
    const idle = new IdleTimer(this.options.requestTimeoutMs ?? 60_000,
      () => response.body.destroy(new ApiError(`${what} stalled`, 0, 'retryable')));
    try {
      return parseJson(await readBody(response.body, 512 * 1024 * 1024), `${what} ${this.resource}`);
    } finally {
      idle.stop();
    }
  }

  private async statusError(response: ApiResponse): Promise<ApiError> {
    const retryAfter = response.headers['retry-after'];
    const message = await statusMessage(response);
    return apiErrorFor(response.status, `${this.resource}: ${message}`, typeof retryAfter === 'string' ? retryAfter : undefined);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** The API server leaves apiVersion and kind out of list items; projections require them. */
function withTypeMeta(spec: KindSpec, item: unknown): unknown {
  if (item === null || typeof item !== 'object') return item;
  return { apiVersion: apiVersionOf(spec), kind: spec.kind, ...item };
}

function byKey<T>(a: readonly [string, T], b: readonly [string, T]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function errorReason(error: unknown): string {
  if (error instanceof ExpiredError) return 'expired';
  if (error instanceof MalformedEventError) return 'malformed';
  if (error instanceof ApiError && error.status !== 0) return `http_${error.status}`;
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) return 'timeout';
  return 'network';
}
