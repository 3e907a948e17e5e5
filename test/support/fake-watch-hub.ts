/**
 * The open watch responses of the fake API server, and the faults that act on them.
 *
 * Contract:
 * - Each open watch gets, in order: its backlog (synthetic ADDED or replayed history), then every
 *   later stored event of its resource that its scope (namespace, selectors) sees, one JSON object a
 *   line. Events reach every watch synchronously inside the write that made them, so no event falls
 *   between a watch's backlog and its live stream, and none repeats.
 * - With selectors, an object that starts matching arrives as ADDED and one that stops matching as
 *   DELETED, as the real server does.
 * - A stalled watch has its headers sent and then buffers every line (events, bookmarks, fault
 *   lines) until `resumeStalled()`; a buffered `finish` ends it after the buffer is written.
 * - Bookmarks carry the current global resourceVersion, which is exact: everything up to it has been
 *   written to the watch. Timers belong to one watch and are cleared when it ends, however it ends.
 */
import type { ServerResponse } from 'node:http';
import type { ResourceId } from '../../src/informers/object.js';
import type { StoredEvent } from './fake-object-store.js';
import type { ServedResource } from './fake-resources.js';
import type { KubeObject } from './kube-object.js';
import type { KubeStatus } from './kube-status.js';
import type { ObjectSelector } from './object-selector.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  readonly type: WatchEventType;
  readonly object: KubeObject | KubeStatus | BookmarkObject;
}

export interface BookmarkObject {
  readonly kind: string;
  readonly apiVersion: string;
  readonly metadata: { readonly resourceVersion: string; readonly annotations?: Readonly<Record<string, string>> };
}

export interface WatchScope {
  readonly resource: ServedResource;
  readonly namespace: string | undefined;
  readonly selector: ObjectSelector;
}

export interface WatchSettings {
  /** Send a BOOKMARK this often; undefined for a watch that did not ask for bookmarks. */
  readonly bookmarkIntervalMs: number | undefined;
  /** End the stream cleanly after this long (timeoutSeconds); undefined for no limit. */
  readonly timeoutMs: number | undefined;
  readonly stalled: boolean;
}

/** A malformed watch line, as `injectMalformedLine` writes it. */
export const MALFORMED_LINE = '{"type":"MODIFIED","object":{this is not json';

export function bookmark(resource: ServedResource, rv: number, initialEventsEnd = false): WatchEvent {
  const annotations = initialEventsEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {};
  return { type: 'BOOKMARK', object: { kind: resource.kind, apiVersion: resource.apiVersion, metadata: { resourceVersion: String(rv), ...annotations } } };
}

/** What a watch of `scope` sees of a stored event, if anything. */
export function eventFor(scope: WatchScope, event: StoredEvent): WatchEvent | undefined {
  if (event.resource.id !== scope.resource.id) return undefined;
  if (scope.namespace !== undefined && event.object.metadata.namespace !== scope.namespace) return undefined;
  const before = event.previous !== undefined && scope.selector.matches(event.previous);
  const after = event.type !== 'DELETED' && scope.selector.matches(event.object);
  if (event.type === 'DELETED') return before ? { type: 'DELETED', object: event.object } : undefined;
  if (before && after) return { type: 'MODIFIED', object: event.object };
  if (after) return { type: 'ADDED', object: event.object };
  if (before) return { type: 'DELETED', object: event.object };
  return undefined;
}

class OpenWatch {
  private readonly buffer: string[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private paused: boolean;
  private finishing = false;

  constructor(readonly scope: WatchScope, readonly res: ServerResponse, stalled: boolean) {
    this.paused = stalled;
  }

  get live(): boolean {
    return !this.res.destroyed && !this.res.writableEnded && !this.finishing;
  }

  addTimer(timer: NodeJS.Timeout): void {
    this.timers.push(timer);
  }

  send(event: WatchEvent): void {
    this.sendLine(JSON.stringify(event));
  }

  sendLine(line: string): void {
    if (!this.live) return;
    if (this.paused) this.buffer.push(`${line}\n`);
    else this.res.write(`${line}\n`);
  }

  /** Ends the response cleanly, after anything buffered. */
  finish(): void {
    if (!this.live) return;
    this.finishing = true;
    if (!this.paused) this.res.end();
  }

  /** Ends the response abruptly: the socket goes away mid-stream. */
  destroy(): void {
    this.dispose();
    this.res.socket?.destroy();
    this.res.destroy();
  }

  /** Ends the response cleanly and then closes its connection, as the server shuts down. */
  close(): void {
    const socket = this.res.socket;
    this.resume();
    this.finish();
    if (this.res.writableEnded) this.res.once('finish', () => socket?.end());
    else socket?.end();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    for (const line of this.buffer.splice(0)) this.res.write(line);
    if (this.finishing) this.res.end();
  }

  dispose(): void {
    for (const timer of this.timers.splice(0)) clearTimeout(timer);
  }
}

export class FakeWatchHub {
  private readonly watches = new Set<OpenWatch>();

  constructor(private readonly currentRv: () => number, private readonly onChange: () => void) {}

  /** Starts a watch response: headers now, then the backlog, then live events. */
  open(res: ServerResponse, scope: WatchScope, settings: WatchSettings, backlog: readonly WatchEvent[]): void {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    const watch = new OpenWatch(scope, res, settings.stalled);
    this.watches.add(watch);
    res.on('close', () => {
      watch.dispose();
      this.watches.delete(watch);
      this.onChange();
    });
    for (const event of backlog) watch.send(event);
    if (settings.bookmarkIntervalMs !== undefined) {
      const interval = settings.bookmarkIntervalMs;
      watch.addTimer(setInterval(() => watch.send(bookmark(scope.resource, this.currentRv())), interval));
    }
    if (settings.timeoutMs !== undefined) watch.addTimer(setTimeout(() => watch.finish(), settings.timeoutMs));
    this.onChange();
  }

  publish(event: StoredEvent): void {
    for (const watch of this.watches) {
      const seen = eventFor(watch.scope, event);
      if (seen !== undefined) watch.send(seen);
    }
  }

  count(resource?: ResourceId): number {
    return this.matching(resource).length;
  }

  cut(resource?: ResourceId): number {
    return this.each(resource, (w) => w.destroy());
  }

  expire(resource: ResourceId | undefined, status: KubeStatus): number {
    return this.each(resource, (w) => {
      w.send({ type: 'ERROR', object: status });
      w.finish();
    });
  }

  injectMalformedLine(resource?: ResourceId): number {
    return this.each(resource, (w) => w.sendLine(MALFORMED_LINE));
  }

  resumeStalled(): void {
    for (const watch of this.watches) watch.resume();
  }

  /** Ends every watch cleanly and closes its connection; stalled ones first write what they buffered. */
  closeAll(): void {
    for (const watch of [...this.watches]) {
      watch.dispose();
      watch.close();
    }
  }

  private matching(resource: ResourceId | undefined): OpenWatch[] {
    return [...this.watches].filter((w) => w.live && (resource === undefined || w.scope.resource.id === resource));
  }

  private each(resource: ResourceId | undefined, act: (watch: OpenWatch) => void): number {
    const targets = this.matching(resource);
    for (const watch of targets) act(watch);
    return targets.length;
  }
}
