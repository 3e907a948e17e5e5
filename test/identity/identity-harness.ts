/**
 * The identity service as the control plane composes it, in-process, with a real gRPC client:
 * a fake API server answers the TokenReviews, a temp directory holds the issuer files, and the
 * client is @grpc/grpc-js loaded from the same proto the server serves.
 */
import fs from 'node:fs';
import path from 'node:path';
import { credentials, type ServiceError } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import type { ProtoGrpcType } from '../../src/gen/proto/identity.js';
import type { CertifyResponse__Output } from '../../src/gen/proto/io/linkerd/proxy/identity/CertifyResponse.js';
import type { IdentityClient } from '../../src/gen/proto/io/linkerd/proxy/identity/Identity.js';
import { createCertifier } from '../../src/identity/certifier.js';
import { createIdentityMetrics, type IdentityMetrics } from '../../src/identity/identity-metrics.js';
import { startIdentityServer, type IdentityServer } from '../../src/identity/identity-server.js';
import { createIssuerSource, type IssuerSource } from '../../src/identity/issuer-source.js';
import type { IssuancePolicy } from '../../src/identity/leaf-certificate.js';
import { createRateLimiter, type RateLimit } from '../../src/identity/rate-limiter.js';
import { createTokenReviewer } from '../../src/identity/token-reviewer.js';
import { parseTrustAnchors, type TrustAnchors } from '../../src/identity/trust-anchors.js';
import { type ApiClient, kubeApiClient } from '../../src/informers/api-client.js';
import { silentLogger } from '../../src/observe/logger.js';
import { loadProtos } from '../../src/streams/proto.js';
import { tempDir } from '../support/engine-harness.js';
import { FakeApiServer } from '../support/fake-api-server.js';
import { childCa, rootCa, type TestCa, writeIssuer } from './pki-fixtures.js';

export type CertifyAnswer =
  | { readonly ok: true; readonly response: CertifyResponse__Output }
  | { readonly ok: false; readonly error: ServiceError };

/**
 * The fake API server has no notion of token expiry, so a token marked expired here is answered
 * the way kube-apiserver answers a TokenReview of an expired service account token: not
 * authenticated, with an error. Every other review goes to the fake API server unchanged.
 */
function withExpiredTokens(client: ApiClient, expired: ReadonlySet<string>): ApiClient {
  return {
    get: (path, query, signal) => client.get(path, query, signal),
    async post(path, body, signal) {
      const token = (body as { spec?: { token?: unknown } }).spec?.token;
      if (typeof token !== 'string' || !expired.has(token)) return client.post(path, body, signal);
      return { status: 201, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', status: { authenticated: false, error: '[invalid bearer token, service account token has expired]' } } };
    },
  };
}

export interface HarnessOptions {
  readonly limit?: RateLimit;
  readonly policy?: IssuancePolicy;
  readonly retryWithoutAudience?: boolean;
  /** Start with an empty issuer directory (default: an issuer signed by the root is written). */
  readonly withoutIssuer?: boolean;
}

export interface IdentityHarness {
  readonly api: FakeApiServer;
  readonly root: TestCa;
  readonly issuer: TestCa;
  readonly anchors: TrustAnchors;
  readonly issuerDir: string;
  readonly issuers: IssuerSource;
  readonly metrics: IdentityMetrics;
  readonly registry: Registry;
  readonly server: IdentityServer;
  certify(request: { identity: string; token: string | Buffer; csr: Buffer }): Promise<CertifyAnswer>;
  /** TokenReviews of this token now answer as for an expired token. */
  expireToken(token: string): void;
  /** Certify calls answered OK so far. */
  issued(): Promise<number>;
  close(): Promise<void>;
}

export function identityClient(port: number): IdentityClient {
  const proto = loadProtos<ProtoGrpcType>(['identity.proto']);
  return new proto.io.linkerd.proxy.identity.Identity(`127.0.0.1:${port}`, credentials.createInsecure());
}

export function callCertify(client: IdentityClient, request: { identity: string; token: string | Buffer; csr: Buffer }): Promise<CertifyAnswer> {
  return new Promise((resolve) => {
    client.Certify({ identity: request.identity, token: Buffer.from(request.token), certificate_signing_request: request.csr }, (error, response) => {
      if (error !== null) resolve({ ok: false, error });
      else if (response === undefined) throw new Error('Certify answered neither an error nor a response');
      else resolve({ ok: true, response });
    });
  });
}

export async function startIdentityHarness(options: HarnessOptions = {}): Promise<IdentityHarness> {
  const api = await FakeApiServer.start();
  const dir = tempDir('sinew-identity-');
  const root = await rootCa();
  const issuer = await childCa(root);
  const issuerDir = path.join(dir, 'issuer');
  if (options.withoutIssuer === true) fs.mkdirSync(issuerDir, { recursive: true });
  else writeIssuer(issuerDir, issuer);
  const anchors = parseTrustAnchors(root.pem);
  const registry = new Registry();
  const metrics = createIdentityMetrics(registry);
  const expired = new Set<string>();
  const issuers = createIssuerSource({ dir: issuerDir, anchors, log: silentLogger, metrics, pollMs: 0, debounceMs: 20 });
  await issuers.reload();
  const certifier = createCertifier({
    issuer: () => issuers.current(),
    reviewer: createTokenReviewer({ client: withExpiredTokens(kubeApiClient(api.kubeConfig()), expired), retryWithoutAudience: options.retryWithoutAudience }),
    domain: { controllerNamespace: 'linkerd', trustDomain: 'cluster.local' },
    policy: options.policy ?? { lifetimeMs: 24 * 3600_000, clockSkewMs: 20_000 },
    limiter: createRateLimiter(options.limit ?? { perSecond: 1000, burst: 1000 }),
    log: silentLogger,
  });
  const server = await startIdentityServer({ address: '127.0.0.1', port: 0, certifier, metrics, log: silentLogger });
  const client = identityClient(server.port);
  return {
    api, root, issuer, anchors, issuerDir, issuers, metrics, registry, server,
    certify: (request) => callCertify(client, request),
    expireToken: (token) => void expired.add(token),
    async issued() {
      const values = (await registry.getSingleMetric('identity_certify_total')?.get())?.values ?? [];
      return values.find((value) => value.labels.code === 'OK')?.value ?? 0;
    },
    async close() {
      client.close();
      issuers.close();
      await server.close();
      await api.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
