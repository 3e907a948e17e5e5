/**
 * A fake Kubernetes API server for tests: plain HTTP on 127.0.0.1, speaking the real list/watch
 * protocol, so @kubernetes/client-node and Sinew's reflector run against it unchanged.
 *
 * Contract:
 * - State changes made through the programmatic API (`create`, `update`, `apply`, `delete`) and
 *   through HTTP are the same writes: each bumps the one global resourceVersion and reaches every
 *   open watch before the call returns. Objects handed to tests are fresh copies; edit them freely.
 * - Programmatic calls throw `FakeApiError` (with the Status the HTTP API would answer) on 404,
 *   409 and invalid objects; HTTP requests get that Status as the response.
 * - Faults are deterministic: planned ones (`failLists`, `failWatchStarts`, `stallNext`) act on the
 *   next matching requests in arrival order; immediate ones (`cutWatches`, `expireWatches`,
 *   `injectMalformedLine`) act on the watches open right now and return how many they touched.
 * - `close()` ends open and stalled watches, stalled LISTs and every connection, and leaves no
 *   timer, socket or interval behind. Waits still pending reject.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { ResourceId } from '../../src/informers/object.js';
import { FaultPlan, type ListFailure, type StallableVerb, type WatchStartFailure } from './fake-faults.js';
import { asFakeApiError, handleRequest, type ApiVerb, type HttpContext, type RequestNote } from './fake-api-http.js';
import { FakeObjectStore } from './fake-object-store.js';
import { DEFAULT_RESOURCES, refId, ResourceRegistry, type FakeResource, type ResourceRef, type ServedResource } from './fake-resources.js';
import { ConditionWaiters } from './condition-waiters.js';
import { FakeWatchHub } from './fake-watch-hub.js';
import { sendStatus } from './http-io.js';
import { jsonCopy, type KubeObject } from './kube-object.js';
import { kubeconfigText, writeKubeconfigFile } from './kubeconfig.js';
import { statusErrors } from './kube-status.js';
import { serviceAccountUser, TokenRegistry, type TokenUser } from './token-review.js';

export type { FakeResource, ResourceRef } from './fake-resources.js';
export type { KubeObject } from './kube-object.js';
export { FakeApiError } from './kube-status.js';
export type { ApiVerb } from './fake-api-http.js';
export type { TokenUser } from './token-review.js';

export interface FakeApiServerOptions {
  /** Default: Namespace, Pod, Service, EndpointSlice (discovery.k8s.io/v1), Node. */
  readonly resources?: readonly FakeResource[];
  /** Events kept for watch resumption, across all resources (default 1000). */
  readonly historyLimit?: number;
  /** How often watches that asked for bookmarks get one (default 1000 ms). */
  readonly bookmarkIntervalMs?: number;
  /** A watch from a too-old resourceVersion: 200 + ERROR event ('event', default) or HTTP 410 ('status'). */
  readonly expiredWatchMode?: 'event' | 'status';
  /** The bearer token the kubeconfig carries (default 'sinew-fake-token'). */
  readonly token?: string;
  /** Answer 401 to API requests without `Authorization: Bearer <token>` (default false). */
  readonly requireToken?: boolean;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** The response status; 0 while no response head has been sent (a stalled LIST). */
  readonly status: number;
  readonly verb: ApiVerb | undefined;
  readonly resource: string | undefined;
}

export interface RequestFilter {
  readonly method?: string;
  readonly verb?: ApiVerb;
  readonly resource?: ResourceRef;
  readonly path?: string;
}

interface LogEntry extends RequestNote {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly res: ServerResponse;
}

export class FakeApiServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The bearer token the kubeconfig carries. */
  readonly token: string;
  private readonly registry: ResourceRegistry;
  private readonly store: FakeObjectStore;
  private readonly hub: FakeWatchHub;
  private readonly faults = new FaultPlan();
  private readonly tokens = new TokenRegistry();
  private readonly log: LogEntry[] = [];
  private readonly stalled = new Map<ServerResponse, () => void>();
  private readonly waiters = new ConditionWaiters();
  private readonly context: HttpContext;
  private closing: Promise<void> | undefined;

  static async start(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    return new FakeApiServer(server, port, options);
  }

  private constructor(private readonly server: Server, port: number, options: FakeApiServerOptions) {
    this.url = `http://127.0.0.1:${port}`;
    this.token = options.token ?? 'sinew-fake-token';
    this.registry = new ResourceRegistry(options.resources ?? DEFAULT_RESOURCES);
    this.hub = new FakeWatchHub(() => this.store.currentRv(), () => this.waiters.notify());
    this.store = new FakeObjectStore(options.historyLimit ?? 1000, (event) => {
      this.hub.publish(event);
      this.waiters.notify();
    });
    this.context = {
      registry: this.registry, store: this.store, hub: this.hub, faults: this.faults, tokens: this.tokens,
      serverAddress: `127.0.0.1:${port}`,
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1000,
      expiredWatchMode: options.expiredWatchMode ?? 'event',
      requiredToken: options.requireToken === true ? this.token : undefined,
      stall: (res, resume) => this.holdResponse(res, resume),
    };
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res));
  }

  // ---- resources and clients ----

  /** Registers a resource (e.g. a CRD's); a `KindSpec` will do. Re-registering replaces it. */
  addResource(resource: FakeResource): void {
    this.registry.add(resource);
  }

  /** Writes a kubeconfig for this server (JSON if the path ends in .json, YAML otherwise). */
  writeKubeconfig(path: string): void {
    writeKubeconfigFile(path, { server: this.url, token: this.token });
  }

  /** A client-node KubeConfig for this server, loaded from the same document `writeKubeconfig` writes. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfigText({ server: this.url, token: this.token }, 'json'));
    return kc;
  }

  // ---- state ----

  create(resource: ResourceRef, object: object): KubeObject {
    return jsonCopy(this.store.create(this.resource(resource), object));
  }

  /** Replaces an existing object; 404 if missing, 409 if it carries a stale metadata.resourceVersion. */
  update(resource: ResourceRef, object: object): KubeObject {
    return jsonCopy(this.store.update(this.resource(resource), object, true));
  }

  /** Creates or replaces, ignoring any metadata.resourceVersion the object carries. */
  apply(resource: ResourceRef, object: object): KubeObject {
    return jsonCopy(this.store.apply(this.resource(resource), object));
  }

  /** Deletes and returns the last state (stamped with the deletion's resourceVersion); undefined if absent. */
  delete(resource: ResourceRef, namespace: string | undefined, name: string): KubeObject | undefined {
    const deleted = this.store.delete(this.resource(resource), namespace, name);
    return deleted === undefined ? undefined : jsonCopy(deleted);
  }

  get(resource: ResourceRef, namespace: string | undefined, name: string): KubeObject | undefined {
    const object = this.store.get(this.resource(resource), namespace, name);
    return object === undefined ? undefined : jsonCopy(object);
  }

  /** Every current object of a resource, sorted by namespace then name. */
  list(resource: ResourceRef): readonly KubeObject[] {
    return this.store.items(this.resource(resource)).map((o) => jsonCopy(o));
  }

  resourceVersion(): string {
    return String(this.store.currentRv());
  }

  /** Forgets all history: every resourceVersion before the current one is now too old. */
  compact(): void {
    this.store.compact();
  }

  // ---- TokenReview ----

  addToken(token: string, user: TokenUser): void {
    this.tokens.add(token, user);
  }

  /** Registers a service account token: user `system:serviceaccount:<ns>:<name>` and its groups. */
  addServiceAccountToken(token: string, namespace: string, name: string, audiences?: readonly string[]): void {
    this.tokens.add(token, serviceAccountUser(namespace, name, audiences));
  }

  // ---- faults ----

  /** Destroys the sockets of open watches mid-stream. */
  cutWatches(resource?: ResourceRef): number {
    return this.hub.cut(optionalId(resource));
  }

  /** Sends an ERROR event (Status 410 Expired) into open watches, then ends them cleanly. History is untouched. */
  expireWatches(resource?: ResourceRef): number {
    return this.hub.expire(optionalId(resource), statusErrors.expired('The resourceVersion for the provided watch is too old.').status);
  }

  /** The next `times` LISTs of the resource answer `status` (429 with Retry-After: 1). */
  failLists(resource: ResourceRef, status: ListFailure, times: number): void {
    this.faults.failLists(refId(resource), status, times);
  }

  /** The next `times` WATCH starts of the resource fail; 410 follows `expiredWatchMode`. */
  failWatchStarts(resource: ResourceRef, status: WatchStartFailure, times: number): void {
    this.faults.failWatchStarts(refId(resource), status, times);
  }

  /** Writes a line that is not JSON into open watches. */
  injectMalformedLine(resource?: ResourceRef): number {
    return this.hub.injectMalformedLine(optionalId(resource));
  }

  /**
   * The next such request stalls: a LIST gets nothing at all, a WATCH gets its headers and then no
   * bytes, until `unstall()` (then the LIST is answered from the state at that moment and the WATCH
   * writes everything it held back) or `close()`.
   */
  stallNext(resource: ResourceRef, verb: StallableVerb): void {
    this.faults.stallNext(refId(resource), verb);
  }

  unstall(): void {
    const held = [...this.stalled];
    this.stalled.clear();
    for (const [res, resume] of held) if (!res.destroyed) resume();
    this.hub.resumeStalled();
  }

  // ---- observation ----

  requests(filter: RequestFilter = {}): readonly RecordedRequest[] {
    return this.log.filter((e) => matchesFilter(e, filter)).map((e) => ({
      method: e.method, path: e.path, query: e.query, verb: e.verb, resource: e.resource,
      status: e.res.headersSent ? e.res.statusCode : 0,
    }));
  }

  openWatches(resource?: ResourceRef): number {
    return this.hub.count(optionalId(resource));
  }

  /** Resolves once at least `count` watches (of the resource) are open. */
  waitForOpenWatches(count: number, resource?: ResourceRef, timeoutMs = 5000): Promise<void> {
    return this.waiters.waitUntil(() => this.openWatches(resource) >= count, timeoutMs, `${count} open watch(es)`);
  }

  /** Resolves with the matching requests once at least `count` of them have arrived. */
  async waitForRequests(filter: RequestFilter, count = 1, timeoutMs = 5000): Promise<readonly RecordedRequest[]> {
    await this.waiters.waitUntil(() => this.requests(filter).length >= count, timeoutMs, `${count} request(s) matching ${JSON.stringify(filter)}`);
    return this.requests(filter);
  }

  /** Ends everything: watches, stalled requests, connections. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  // ---- internals ----

  private resource(ref: ResourceRef): ServedResource {
    const resource = this.registry.find(ref);
    if (resource === undefined) throw statusErrors.unknownResource(refId(ref));
    return resource;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = requestUrl(req, this.url);
    const entry: LogEntry = {
      method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), res,
      verb: undefined, resource: undefined,
    };
    this.log.push(entry);
    res.on('close', () => this.waiters.notify());
    handleRequest(this.context, req, res, url, entry).catch((err: unknown) => {
      if (res.headersSent) res.destroy();
      else sendStatus(res, asFakeApiError(err).status);
    });
    this.waiters.notify();
  }

  private holdResponse(res: ServerResponse, resume: () => void): void {
    this.stalled.set(res, resume);
    res.on('close', () => this.stalled.delete(res));
  }

  private async shutDown(): Promise<void> {
    this.waiters.close('the fake API server closed');
    for (const res of this.stalled.keys()) {
      res.socket?.destroy();
      res.destroy();
    }
    this.stalled.clear();
    this.hub.closeAll();
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => this.server.closeAllConnections(), 200);
      this.server.close(() => {
        clearTimeout(force);
        resolve();
      });
      this.server.closeIdleConnections();
    });
  }
}

/** The request's URL; an unparseable one reads as `/`, which answers 404. */
function requestUrl(req: IncomingMessage, base: string): URL {
  try {
    return new URL(req.url ?? '/', base);
  } catch {
    return new URL('/', base);
  }
}

function optionalId(resource: ResourceRef | undefined): ResourceId | undefined {
  return resource === undefined ? undefined : refId(resource);
}

function matchesFilter(entry: LogEntry, filter: RequestFilter): boolean {
  return (filter.method === undefined || entry.method === filter.method)
    && (filter.verb === undefined || entry.verb === filter.verb)
    && (filter.resource === undefined || entry.resource === refId(filter.resource))
    && (filter.path === undefined || entry.path === filter.path);
}
