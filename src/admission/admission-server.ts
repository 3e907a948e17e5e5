/**
 * The HTTPS server the API server calls for validating admission: one path per webhook, each
 * answering POSTed AdmissionReviews with its validator's verdict.
 *
 * Paths: the composition root chooses them. `admissionWebhooks()` gives Sinew's layout, one server
 * for both webhooks at `/policy` (policy-validator) and `/sp` (sp-validator); Linkerd's layout, a
 * server per webhook at `/` (the policy controller on 9443, the sp-validator on 8443), is two
 * servers of one path each. The query string (the API server adds `?timeout=10s`) is ignored.
 *
 * Contract: every request gets an answer and none can stop the server.
 * - An AdmissionReview gets 200 and an AdmissionReview (`application/json`) echoing its uid.
 * - A path no webhook serves gets 404; a method other than POST, 405 (with `Allow: POST`).
 * - A body over `maxBodyBytes` (1 MiB by default) gets 413; a body that is not JSON, or not an
 *   AdmissionReview v1 (or v1beta1), gets 400 naming what is wrong.
 * - A validator that throws gets 500, and is logged; the next request is served as usual.
 * Errors are Kubernetes `Status` objects, so the API server can show their message. (Linkerd's
 * policy controller answers a body that is not a review with a denying review instead, and its Go
 * webhooks with 400; either way the API server applies the webhook's failurePolicy.)
 * Certificates given as files are reloaded when they change; material that does not load is
 * refused, logged and counted, and the certificate in use stays.
 */
import { once } from 'node:events';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { describeIssue } from '../informers/fail-closed.js';
import type { Logger } from '../observe/logger.js';
import { type AdmissionMetrics, type AdmissionOutcome, createAdmissionMetrics } from './admission-metrics.js';
import { type AdmissionReview, type AdmissionValidator, admissionAnswer, admissionReviewSchema, kindLabel } from './admission-review.js';
import { type PolicyValidatorOptions, policyValidator } from './policy-validator.js';
import { readBody } from './request-body.js';
import { spValidator } from './sp-validator.js';
import { loadTlsMaterial, type WebhookTls, tlsSource, watchTlsFiles } from './webhook-tls.js';

export const policyValidatorPath = '/policy';
export const spValidatorPath = '/sp';

export const defaultMaxBodyBytes = 1024 * 1024;

/** The server could not bind its address (in use, not permitted, no such address). */
export class AdmissionListenError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AdmissionListenError';
  }
}

export interface AdmissionServerOptions {
  /** Default `0.0.0.0`. */
  readonly address?: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly tls: WebhookTls;
  /** Path (`/policy`) → validator. */
  readonly webhooks: Readonly<Record<string, AdmissionValidator>>;
  readonly log: Logger;
  /** Where the metrics are registered; a private registry if absent. */
  readonly registry?: Registry;
  readonly maxBodyBytes?: number;
  /** How often certificate files are checked for changes; default 10 s. */
  readonly certificatePollMs?: number;
}

export interface AdmissionServer {
  readonly port: number;
  /** Stops accepting, lets requests in flight finish (up to 2 s), and stops watching files. */
  close(): Promise<void>;
}

/** Sinew's layout: both webhooks on one server. */
export function admissionWebhooks(policy: PolicyValidatorOptions = {}): Record<string, AdmissionValidator> {
  return { [policyValidatorPath]: policyValidator(policy), [spValidatorPath]: spValidator() };
}

interface Context {
  readonly webhooks: ReadonlyMap<string, AdmissionValidator>;
  readonly log: Logger;
  readonly metrics: AdmissionMetrics;
  readonly maxBodyBytes: number;
}

export async function startAdmissionServer(options: AdmissionServerOptions): Promise<AdmissionServer> {
  const log = options.log.child({ component: 'admission' });
  const metrics = createAdmissionMetrics(options.registry);
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1) throw new RangeError(`maxBodyBytes must be a positive integer, not ${maxBodyBytes}`);
  const context: Context = { webhooks: new Map(Object.entries(options.webhooks)), log, metrics, maxBodyBytes };
  const material = loadTlsMaterial(options.tls);
  const server = https.createServer({ ...material, minVersion: 'TLSv1.2' }, (request, response) => {
    const route = routeOf(context, request);
    handle(context, route, request, response).catch((error: unknown) => failed(context, route.webhook, response, error));
  });
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  server.on('tlsClientError', (error) => log.debug('TLS handshake failed', { error: error.message }));
  const address = options.address ?? '0.0.0.0';
  server.listen(options.port, address);
  try {
    await once(server, 'listening');
  } catch (error) {
    throw new AdmissionListenError(`admission server cannot listen on ${address}:${options.port}: ${(error as Error).message}`, { cause: error });
  }
  const unwatch = watchTlsFiles(options.tls, options.certificatePollMs ?? 10_000, (reloaded) => {
    server.setSecureContext({ ...reloaded, minVersion: 'TLSv1.2' });
    metrics.certificateReloads.inc({ result: 'loaded' });
    log.info('webhook certificate reloaded', { source: tlsSource(options.tls) });
  }, (error) => {
    metrics.certificateReloads.inc({ result: 'refused' });
    log.warn('webhook certificate refused; the old one stays', { error: error.message });
  });
  const port = (server.address() as AddressInfo).port;
  log.info('admission webhooks listening', { address, port, paths: [...context.webhooks.keys()].join(',') });
  return { port, close: () => close(server, unwatch) };
}

async function close(server: https.Server, unwatch: () => void): Promise<void> {
  unwatch();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), 2000);
  await closed;
  clearTimeout(timer);
}

interface Route {
  readonly path: string;
  readonly validator: AdmissionValidator | undefined;
  /** The metrics label: the path, or `unknown` when no webhook serves it (paths are not a label's to grow). */
  readonly webhook: string;
}

/** The request's path, without its query; read as text, so no request line can make it throw. */
function routeOf(context: Context, request: IncomingMessage): Route {
  const target = request.url ?? '/';
  const query = target.search(/[?#]/);
  const path = query === -1 ? target : target.slice(0, query);
  const validator = context.webhooks.get(path);
  return { path, validator, webhook: validator === undefined ? 'unknown' : path };
}

async function handle(context: Context, route: Route, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { path, validator, webhook } = route;
  const answer = (outcome: AdmissionOutcome, code: number, body: unknown) => {
    context.metrics.requests.inc({ webhook, outcome });
    sendJson(response, code, body);
  };
  if (validator === undefined) {
    return answer('not_found', 404, status(404, 'NotFound', `no webhook at ${path}; this server serves ${[...context.webhooks.keys()].join(', ')}`));
  }
  if (request.method !== 'POST') {
    response.setHeader('allow', 'POST');
    return answer('method_not_allowed', 405, status(405, 'MethodNotAllowed', `${request.method ?? '(none)'} is not allowed: admission webhooks take POST`));
  }
  const body = await readBody(request, context.maxBodyBytes, 16 * context.maxBodyBytes);
  if (body.kind === 'too-large') {
    if (!body.drained) response.setHeader('connection', 'close');
    context.log.warn('admission request too large', { webhook, limit: context.maxBodyBytes });
    return answer('too_large', 413, status(413, 'RequestEntityTooLarge', `the request body is larger than ${context.maxBodyBytes} bytes`));
  }
  const review = parseReview(body.body);
  if (typeof review === 'string') {
    context.log.warn('bad admission request', { webhook, error: review });
    return answer('bad_request', 400, status(400, 'BadRequest', review));
  }
  const stop = context.metrics.reviewDuration.startTimer({ webhook });
  const verdict = await validator(review.request);
  stop();
  logVerdict(context.log, webhook, review, verdict.allowed ? undefined : verdict.message);
  return answer(verdict.allowed ? 'allowed' : 'denied', 200, admissionAnswer(review, verdict));
}

/** The review in `body`, or why it is none. */
function parseReview(body: Buffer): AdmissionReview | string {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return `the request body is not JSON: ${(error as Error).message}`;
  }
  const parsed = admissionReviewSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 5).map((issue) => describeIssue(issue)).join('; ');
  return `the request body is not an AdmissionReview (admission.k8s.io/v1): ${problems}`;
}

function logVerdict(log: Logger, webhook: string, review: AdmissionReview, denial: string | undefined): void {
  const { request } = review;
  const fields = { webhook, uid: request.uid, operation: request.operation, kind: kindLabel(request), namespace: request.namespace, name: request.name };
  if (denial === undefined) log.debug('admitted', fields);
  else log.info('denied', { ...fields, reason: denial });
}

function failed(context: Context, webhook: string, response: ServerResponse, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  context.log.error('admission request failed', { webhook, error: message });
  if (response.headersSent || response.destroyed) {
    response.destroy();
    return;
  }
  context.metrics.requests.inc({ webhook, outcome: 'error' });
  sendJson(response, 500, status(500, 'InternalError', `the webhook failed: ${message}`));
}

/** A Kubernetes `Status`, as the API server answers errors. */
function status(code: number, reason: string, message: string): object {
  return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', reason, message, code };
}

function sendJson(response: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}
