/**
 * The demo's stand-in for the Kubernetes API server, for one request only: the identity service
 * proves each proxy's service account token with a TokenReview, and the demo has no cluster. This
 * server answers `POST /apis/authentication.k8s.io/v1/tokenreviews` for the tokens the demo minted
 * (random, one per service account) and nothing else; it is used by `sinew demo` alone and never
 * stands for a real API server anywhere else.
 *
 * Contract: it listens on 127.0.0.1 only. A request must carry the bearer token written into the
 * kubeconfig (else 401). A minted token whose review names the audience `identity.l5d.io` (or no
 * audience) authenticates as `system:serviceaccount:<ns>:<sa>`, with the audience echoed back;
 * any other token, or another audience, answers `authenticated: false` with an error, as an API
 * server does. Any other path is 404, any other method 405, a body that is not a TokenReview or
 * is larger than 64 KiB 400. It never throws on a request.
 */
import { listenHttp } from '../streams/http-listen.js';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { z } from 'zod';
import { identityAudience } from '../identity/token-reviewer.js';

export const tokenReviewPath = '/apis/authentication.k8s.io/v1/tokenreviews';
const maxBody = 64 * 1024;

export interface ServiceAccountToken {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly token: string;
}

export interface TokenReviewServer {
  readonly url: string;
  /** Writes a kubeconfig that points at this server with its bearer token (mode 0600). */
  writeKubeconfig(file: string): void;
  close(): Promise<void>;
}

/** A fresh random token for each service account. */
export function mintTokens(accounts: readonly { namespace: string; serviceAccount: string }[]): ServiceAccountToken[] {
  return accounts.map((account) => ({ ...account, token: randomBytes(32).toString('base64url') }));
}

const reviewSchema = z.object({
  apiVersion: z.literal('authentication.k8s.io/v1').optional(),
  kind: z.literal('TokenReview').optional(),
  spec: z.object({ token: z.string(), audiences: z.array(z.string()).optional() }),
});

type ReviewStatus = Record<string, unknown>;

function statusFor(tokens: ReadonlyMap<string, ServiceAccountToken>, token: string, audiences: readonly string[]): ReviewStatus {
  const account = tokens.get(token);
  if (account === undefined) return { authenticated: false, error: 'the token was not minted by this sinew demo' };
  if (audiences.length > 0 && !audiences.includes(identityAudience)) {
    return { authenticated: false, error: `the demo's tokens are for the audience ${identityAudience}, not ${audiences.join(', ')}` };
  }
  return {
    authenticated: true,
    user: {
      username: `system:serviceaccount:${account.namespace}:${account.serviceAccount}`,
      uid: `demo-${account.namespace}-${account.serviceAccount}`,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${account.namespace}`, 'system:authenticated'],
    },
    audiences: [identityAudience],
  };
}

function send(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}

function failure(response: http.ServerResponse, code: number, reason: string, message: string): void {
  send(response, code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });
}

function readBody(request: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBody) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > maxBody ? undefined : Buffer.concat(chunks).toString('utf8')));
    request.on('error', () => resolve(undefined));
  });
}

async function answer(tokens: ReadonlyMap<string, ServiceAccountToken>, bearer: string, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (path !== tokenReviewPath) return failure(response, 404, 'NotFound', `the sinew demo answers only ${tokenReviewPath}`);
  if (request.method !== 'POST') return failure(response, 405, 'MethodNotAllowed', `${tokenReviewPath} takes POST, not ${request.method ?? ''}`);
  if (request.headers.authorization !== `Bearer ${bearer}`) return failure(response, 401, 'Unauthorized', 'Unauthorized');
  const text = await readBody(request);
  let parsed: z.infer<typeof reviewSchema> | undefined;
  try {
    parsed = text === undefined ? undefined : reviewSchema.parse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined) return failure(response, 400, 'BadRequest', `the body must be a TokenReview of at most ${maxBody} bytes`);
  const { token, audiences } = parsed.spec;
  send(response, 201, {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: { creationTimestamp: null },
    spec: parsed.spec, status: statusFor(tokens, token, audiences ?? []),
  });
}

export async function startTokenReviewServer(minted: readonly ServiceAccountToken[]): Promise<TokenReviewServer> {
  const tokens = new Map(minted.map((entry) => [entry.token, entry]));
  const bearer = randomBytes(32).toString('base64url');
  const server = http.createServer((request, response) => {
    answer(tokens, bearer, request, response).catch((error: unknown) => {
      if (response.headersSent) response.destroy();
      else failure(response, 500, 'InternalError', (error as Error).message);
    });
  });
  const listening = await listenHttp(server, '127.0.0.1', 0);
  const url = `http://127.0.0.1:${listening.port}`;
  return {
    url,
    writeKubeconfig: (file) => fs.writeFileSync(file, JSON.stringify(kubeconfigFor(url, bearer), null, 2) + '\n', { mode: 0o600 }),
    close: () => listening.close(),
  };
}

/** One cluster (plain HTTP on loopback, which client-node speaks only with TLS checks turned off), one user, one context. */
function kubeconfigFor(server: string, token: string): Record<string, unknown> {
  const name = 'sinew-demo';
  return {
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
  };
}
