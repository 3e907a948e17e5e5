/**
 * The HTTP face of the fake API server: routes one request to discovery, TokenReview, or a
 * resource verb (list, watch, get, create, update, patch, delete, deletecollection).
 *
 * Contract: every request gets exactly one answer, a JSON document or a Status, unless a fault
 * holds it (a stalled LIST answers when resumed; a watch streams until it ends). Failures are thrown
 * as `FakeApiError` and written by the caller; nothing here throws anything else on purpose. The
 * request's verb and resource id are noted on `note` before any await, so the request log shows
 * them as soon as the request has arrived. Planned faults are consumed only by the verb they name.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceId } from '../../src/informers/object.js';
import { parseApiPath, type ResourcePath } from './api-path.js';
import { coreVersions, group, groupList, resourceList, versionInfo } from './discovery.js';
import type { FaultPlan, ListFailure } from './fake-faults.js';
import { listPage, watchBacklog } from './fake-list-watch.js';
import type { FakeObjectStore } from './fake-object-store.js';
import type { ResourceRegistry, ServedResource } from './fake-resources.js';
import type { FakeWatchHub, WatchScope } from './fake-watch-hub.js';
import { readBody, readJsonBody, sendJson, sendStatus } from './http-io.js';
import { FakeApiError, statusErrors, tooOldResourceVersion, type KubeStatus } from './kube-status.js';
import { applyPatch, patchTypeOf } from './object-patch.js';
import { parseSelector } from './object-selector.js';
import type { TokenRegistry } from './token-review.js';

export type ApiVerb = 'list' | 'watch' | 'get' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface RequestNote {
  verb: ApiVerb | undefined;
  resource: ResourceId | undefined;
}

export interface HttpContext {
  readonly registry: ResourceRegistry;
  readonly store: FakeObjectStore;
  readonly hub: FakeWatchHub;
  readonly faults: FaultPlan;
  readonly tokens: TokenRegistry;
  readonly serverAddress: string;
  readonly bookmarkIntervalMs: number;
  readonly expiredWatchMode: 'event' | 'status';
  /** When set, every API request must carry `Authorization: Bearer <token>`. */
  readonly requiredToken: string | undefined;
  /** Holds a response until the server is unstalled (then calls `resume`) or closed. */
  readonly stall: (res: ServerResponse, resume: () => void) => void;
}

const TRUE_VALUES = new Set(['true', '1', 't', 'T', 'TRUE', 'True']);

export async function handleRequest(ctx: HttpContext, req: IncomingMessage, res: ServerResponse, url: URL, note: RequestNote): Promise<void> {
  const path = parseApiPath(url.pathname);
  if (path.type === 'version') return sendJson(res, 200, versionInfo());
  if (path.type === 'health') {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    return void res.end('ok');
  }
  if (ctx.requiredToken !== undefined && req.headers.authorization !== `Bearer ${ctx.requiredToken}`) throw statusErrors.unauthorized();
  if (path.type === 'resource') return handleResource(ctx, req, res, path, url.searchParams, note);
  if (req.method !== 'GET') throw statusErrors.methodNotAllowed(req.method ?? '');
  const resources = ctx.registry.all();
  const document = path.type === 'coreVersions' ? coreVersions(ctx.serverAddress)
    : path.type === 'groups' ? groupList(resources)
      : path.type === 'group' ? group(path.group, resources)
        : path.type === 'groupVersion' ? resourceList(path.group, path.version, resources)
          : undefined;
  if (document === undefined) throw statusErrors.noRoute();
  sendJson(res, 200, document);
}

async function handleResource(
  ctx: HttpContext, req: IncomingMessage, res: ServerResponse, path: ResourcePath, params: URLSearchParams, note: RequestNote,
): Promise<void> {
  if (path.group === 'authentication.k8s.io' && path.version === 'v1' && path.plural === 'tokenreviews' && path.name === undefined) {
    note.verb = 'create';
    if (req.method !== 'POST') throw statusErrors.methodNotAllowed(req.method ?? '');
    return sendJson(res, 201, ctx.tokens.review(await readJsonBody(req)));
  }
  const resource = ctx.registry.atPath(path.group, path.version, path.plural);
  if (resource === undefined || path.subresource !== undefined) throw statusErrors.noRoute();
  if (path.namespace !== undefined && !resource.namespaced) throw statusErrors.noRoute();
  if (path.name !== undefined && resource.namespaced && path.namespace === undefined) throw statusErrors.noRoute();
  note.resource = resource.id;
  const scope: WatchScope = {
    resource,
    namespace: path.namespace,
    selector: parseSelector(params.get('labelSelector') ?? undefined, params.get('fieldSelector') ?? undefined),
  };
  if (path.name === undefined) return handleCollection(ctx, req, res, scope, params, note);
  return handleObject(ctx, req, res, scope, path.name, note);
}

async function handleCollection(
  ctx: HttpContext, req: IncomingMessage, res: ServerResponse, scope: WatchScope, params: URLSearchParams, note: RequestNote,
): Promise<void> {
  const { resource, namespace } = scope;
  switch (req.method) {
    case 'GET':
      if (TRUE_VALUES.has(params.get('watch') ?? '')) return startWatch(ctx, res, scope, params, note);
      note.verb = 'list';
      return serveList(ctx, res, scope, params);
    case 'POST': {
      note.verb = 'create';
      if (resource.namespaced && namespace === undefined) throw statusErrors.methodNotAllowed('POST');
      const body = withPathNamespace(await readJsonBody(req), namespace);
      return sendJson(res, 201, ctx.store.create(resource, body));
    }
    case 'DELETE': {
      note.verb = 'deletecollection';
      await readBody(req);
      const doomed = ctx.store.items(resource)
        .filter((o) => (namespace === undefined || o.metadata.namespace === namespace) && scope.selector.matches(o));
      const items = doomed.map((o) => ctx.store.delete(resource, o.metadata.namespace, o.metadata.name)).filter((o) => o !== undefined);
      return sendJson(res, 200, { kind: `${resource.kind}List`, apiVersion: resource.apiVersion, metadata: { resourceVersion: String(ctx.store.currentRv()) }, items });
    }
    default:
      throw statusErrors.methodNotAllowed(req.method ?? '');
  }
}

function serveList(ctx: HttpContext, res: ServerResponse, scope: WatchScope, params: URLSearchParams): void {
  const failure = ctx.faults.takeListFailure(scope.resource.id);
  if (failure !== undefined) throw listFailure(failure, scope.resource);
  const answer = (): void => sendJson(res, 200, listPage(ctx.store, scope, params));
  if (!ctx.faults.takeStall(scope.resource.id, 'list')) return answer();
  ctx.stall(res, () => {
    try {
      answer();
    } catch (err) {
      sendStatus(res, asFakeApiError(err).status);
    }
  });
}

/** The Status to answer for anything thrown while serving a request. */
export function asFakeApiError(err: unknown): FakeApiError {
  if (err instanceof FakeApiError) return err;
  return statusErrors.internal(err instanceof Error ? err.message : String(err));
}

function listFailure(status: ListFailure, resource: ServedResource): FakeApiError {
  switch (status) {
    case 403: return statusErrors.forbidden(resource, 'list');
    case 429: return statusErrors.tooManyRequests();
    case 500: return statusErrors.internal('injected list failure');
    case 410: return statusErrors.expired('The provided continue parameter is too old to display a consistent list result.');
  }
}

function startWatch(ctx: HttpContext, res: ServerResponse, scope: WatchScope, params: URLSearchParams, note: RequestNote): void {
  note.verb = 'watch';
  const failure = ctx.faults.takeWatchStartFailure(scope.resource.id);
  if (failure === 500) throw statusErrors.internal('injected watch failure');
  if (failure === 410) return expiredWatch(ctx, res, tooOldResourceVersion(params.get('resourceVersion') ?? '', ctx.store.oldestRv()).status);
  let backlog;
  try {
    backlog = watchBacklog(ctx.store, scope, params);
  } catch (err) {
    if (err instanceof FakeApiError && err.code === 410) return expiredWatch(ctx, res, err.status);
    throw err;
  }
  const timeoutSeconds = Number.parseInt(params.get('timeoutSeconds') ?? '', 10);
  ctx.hub.open(res, scope, {
    bookmarkIntervalMs: params.get('allowWatchBookmarks') === 'true' ? ctx.bookmarkIntervalMs : undefined,
    timeoutMs: Number.isInteger(timeoutSeconds) && timeoutSeconds > 0 ? timeoutSeconds * 1000 : undefined,
    stalled: ctx.faults.takeStall(scope.resource.id, 'watch'),
  }, backlog);
}

/** A watch whose start is too old: a 410 Status, or a 200 stream holding one ERROR event. */
function expiredWatch(ctx: HttpContext, res: ServerResponse, status: KubeStatus): void {
  if (ctx.expiredWatchMode === 'status') return sendStatus(res, status);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  res.end(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
}

async function handleObject(
  ctx: HttpContext, req: IncomingMessage, res: ServerResponse, scope: WatchScope, name: string, note: RequestNote,
): Promise<void> {
  const { resource, namespace } = scope;
  const { store } = ctx;
  switch (req.method) {
    case 'GET': {
      note.verb = 'get';
      const object = store.get(resource, namespace, name);
      if (object === undefined) throw statusErrors.notFound(resource, name);
      return sendJson(res, 200, object);
    }
    case 'PUT': {
      note.verb = 'update';
      const body = withPathNamespace(await readJsonBody(req), namespace);
      requireName(body, name);
      return sendJson(res, 200, store.update(resource, body, true));
    }
    case 'PATCH': {
      note.verb = 'patch';
      const type = patchTypeOf(req.headers['content-type']);
      const patch = await readJsonBody(req);
      const current = store.get(resource, namespace, name);
      if (current === undefined) throw statusErrors.notFound(resource, name);
      const patched = applyPatch(type, current, patch);
      requireName(patched, name);
      return sendJson(res, 200, store.update(resource, withPathNamespace(patched, namespace), true));
    }
    case 'DELETE': {
      note.verb = 'delete';
      const body = await readBody(req);
      const deleted = store.delete(resource, namespace, name, preconditionsOf(body));
      if (deleted === undefined) throw statusErrors.notFound(resource, name);
      return sendJson(res, 200, deleted);
    }
    default:
      throw statusErrors.methodNotAllowed(req.method ?? '');
  }
}

function metadataOf(body: unknown): Record<string, unknown> | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const metadata = (body as Record<string, unknown>).metadata;
  return typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) ? metadata as Record<string, unknown> : undefined;
}

/** The body with the request path's namespace; a different namespace in the body is a 400. */
function withPathNamespace(body: unknown, namespace: string | undefined): unknown {
  const metadata = metadataOf(body);
  if (namespace === undefined || metadata === undefined) return body;
  if (metadata.namespace !== undefined && metadata.namespace !== '' && metadata.namespace !== namespace) {
    throw statusErrors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  metadata.namespace = namespace;
  return body;
}

function requireName(body: unknown, name: string): void {
  const given = metadataOf(body)?.name;
  if (given !== undefined && given !== name) {
    throw statusErrors.badRequest(`the name of the object (${String(given)}) does not match the name on the URL (${name})`);
  }
  const metadata = metadataOf(body);
  if (metadata !== undefined) metadata.name = name;
}

function preconditionsOf(body: Buffer): { uid?: string; resourceVersion?: string } {
  if (body.length === 0) return {};
  let options: unknown;
  try {
    options = JSON.parse(body.toString('utf8'));
  } catch {
    throw statusErrors.badRequest('the DeleteOptions body is not valid JSON');
  }
  const pre = (typeof options === 'object' && options !== null ? (options as Record<string, unknown>).preconditions : undefined);
  if (typeof pre !== 'object' || pre === null) return {};
  const { uid, resourceVersion } = pre as Record<string, unknown>;
  return {
    ...(typeof uid === 'string' ? { uid } : {}),
    ...(typeof resourceVersion === 'string' ? { resourceVersion } : {}),
  };
}
