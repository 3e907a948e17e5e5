/**
 * LIST pages and WATCH backlogs, computed from the fake store for one collection request.
 *
 * Contract:
 * - A paginated LIST (`limit`, `continue`) serves every page from the snapshot taken by the first
 *   page: the continue token carries that resourceVersion and the last key served, and every page
 *   reports the snapshot's resourceVersion. Objects are in key order, each exactly once. A token
 *   whose snapshot was compacted away is a 410 Expired; a token that does not decode is a 400.
 * - `resourceVersionMatch=Exact` lists the state at that resourceVersion; any other LIST is served
 *   from the current state (which is never older than what was asked for).
 * - A WATCH with no resourceVersion, "" or "0" (or `sendInitialEvents=true`) starts with a synthetic
 *   ADDED for every current object in scope; otherwise it replays the kept events after the given
 *   resourceVersion, or is a 410 Expired if that is older than the kept history.
 */
import type { FakeObjectStore } from './fake-object-store.js';
import { bookmark, eventFor, type WatchEvent, type WatchScope } from './fake-watch-hub.js';
import { keyOfObject, type KubeObject } from './kube-object.js';
import { statusErrors, tooOldResourceVersion } from './kube-status.js';

export interface ListDocument {
  readonly kind: string;
  readonly apiVersion: string;
  readonly metadata: { readonly resourceVersion: string; readonly continue?: string; readonly remainingItemCount?: number };
  readonly items: readonly KubeObject[];
}

interface ContinueToken {
  readonly resource: string;
  readonly rv: number;
  readonly after: string;
}

export function listPage(store: FakeObjectStore, scope: WatchScope, params: URLSearchParams): ListDocument {
  const token = decodeContinue(params.get('continue'), scope);
  if (token !== undefined && token.rv < store.oldestRv()) throw continueExpired();
  const snapshotRv = token?.rv ?? requestedSnapshot(params) ?? store.currentRv();
  const all = snapshotRv === store.currentRv() ? store.items(scope.resource) : store.snapshot(scope.resource, snapshotRv);
  const inScope = all.filter((o) => inNamespace(scope, o) && scope.selector.matches(o));
  const rest = token === undefined ? inScope : inScope.filter((o) => keyOfObject(o) > token.after);
  const limit = Number.parseInt(params.get('limit') ?? '', 10);
  const page = Number.isInteger(limit) && limit > 0 ? rest.slice(0, limit) : rest;
  const last = page[page.length - 1];
  const remaining = rest.length - page.length;
  const more = remaining > 0 && last !== undefined
    ? { continue: encodeContinue({ resource: scope.resource.id, rv: snapshotRv, after: keyOfObject(last) }), remainingItemCount: remaining }
    : {};
  return {
    kind: `${scope.resource.kind}List`,
    apiVersion: scope.resource.apiVersion,
    metadata: { resourceVersion: String(snapshotRv), ...more },
    items: page,
  };
}

/** The events a new watch starts with; throws 410 Expired for a resourceVersion too old to resume. */
export function watchBacklog(store: FakeObjectStore, scope: WatchScope, params: URLSearchParams): WatchEvent[] {
  const rv = params.get('resourceVersion') ?? '';
  const initialEvents = params.get('sendInitialEvents');
  if (initialEvents === 'true' || ((rv === '' || rv === '0') && initialEvents !== 'false')) {
    const added: WatchEvent[] = store.items(scope.resource)
      .filter((o) => inNamespace(scope, o) && scope.selector.matches(o))
      .map((object) => ({ type: 'ADDED', object }));
    const end = initialEvents === 'true' && params.get('allowWatchBookmarks') === 'true'
      ? [bookmark(scope.resource, store.currentRv(), true)]
      : [];
    return [...added, ...end];
  }
  if (rv === '' || rv === '0') return [];
  const from = parseRv(rv);
  if (from < store.oldestRv()) throw tooOldResourceVersion(rv, store.oldestRv());
  const backlog: WatchEvent[] = [];
  for (const event of store.eventsAfter(from)) {
    const seen = eventFor(scope, event);
    if (seen !== undefined) backlog.push(seen);
  }
  return backlog;
}

function inNamespace(scope: WatchScope, object: KubeObject): boolean {
  return scope.namespace === undefined || object.metadata.namespace === scope.namespace;
}

function requestedSnapshot(params: URLSearchParams): number | undefined {
  const rv = params.get('resourceVersion');
  if (params.get('resourceVersionMatch') !== 'Exact' || rv === null) return undefined;
  return parseRv(rv);
}

function parseRv(rv: string): number {
  if (!/^[0-9]+$/.test(rv)) throw statusErrors.badRequest(`invalid resource version "${rv}"`);
  return Number(rv);
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ r: token.resource, v: token.rv, a: token.after })).toString('base64url');
}

function decodeContinue(text: string | null, scope: WatchScope): ContinueToken | undefined {
  if (text === null || text === '') return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw statusErrors.badRequest('continue key is not valid: not base64 JSON');
  }
  const { r, v, a } = (typeof decoded === 'object' && decoded !== null ? decoded : {}) as Record<string, unknown>;
  if (r !== scope.resource.id || typeof v !== 'number' || typeof a !== 'string') {
    throw statusErrors.badRequest(`continue key is not valid for ${scope.resource.id}`);
  }
  return { resource: scope.resource.id, rv: v, after: a };
}

/** The Status a LIST gets when its continue token's snapshot is gone. */
function continueExpired(): Error {
  return statusErrors.expired(
    'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
}
