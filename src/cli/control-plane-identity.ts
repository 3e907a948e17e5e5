/**
 * The identity component of `sinew control-plane`: its flags, and the composition of trust
 * anchors, issuer source, token reviewer, certifier and gRPC server. The control plane's
 * composition root calls this only when `--components` names identity.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { kubeApiClient } from '../informers/api-client.js';
import type { Logger } from '../observe/logger.js';
import { address, type Options } from './args.js';
import { duration } from './duration.js';
import { UsageError } from './usage-error.js';

export const identityFlags = {
  'identity-addr': { type: 'string' },
  'identity-issuer-dir': { type: 'string' },
  'identity-trust-anchors-file': { type: 'string' },
  'identity-issuance-lifetime': { type: 'string' },
  'identity-clock-skew-allowance': { type: 'string' },
  'identity-trust-domain': { type: 'string' },
  'controller-namespace': { type: 'string' },
  'identity-client-rate': { type: 'string' },
  'identity-client-burst': { type: 'string' },
  'identity-review-without-audience': { type: 'boolean' },
} as const satisfies Options;

export const identityFlagsHelp = `Identity flags (with --components identity):
      --identity-addr ADDR          gRPC Identity service (default 0.0.0.0:8080)
      --identity-issuer-dir DIR     the issuer certificate and key: crt.pem and key.pem, or
                                    tls.crt, tls.key and optional ca.crt; reloaded when they change
      --identity-trust-anchors-file FILE
                                    PEM bundle of trust anchors (ECDSA P-256 or RSA 2048/4096)
      --identity-trust-domain DOMAIN
                                    default cluster.local
      --controller-namespace NS     the control plane's namespace, part of every identity (default linkerd)
      --identity-issuance-lifetime DURATION
                                    how long a workload certificate is valid (default 24h)
      --identity-clock-skew-allowance DURATION
                                    added before and after that lifetime (default 20s)
      --identity-client-rate N      Certify calls a second allowed per client IP (default 10)
      --identity-client-burst N     calls a client IP may make at once (default 20)
      --identity-review-without-audience
                                    when the identity.l5d.io TokenReview does not authenticate a
                                    token, review it again without an audience (off by default)
`;

type IdentityValues = Readonly<Partial<Record<keyof typeof identityFlags, string | boolean>>>;

export interface IdentitySettings {
  readonly host: string;
  readonly port: number;
  readonly issuerDir: string;
  readonly anchorsFile: string;
  readonly trustDomain: string;
  readonly controllerNamespace: string;
  readonly lifetimeMs: number;
  readonly clockSkewMs: number;
  readonly clientRate: number;
  readonly clientBurst: number;
  readonly reviewWithoutAudience: boolean;
}

export interface IdentityComponent {
  readonly port: number;
  ready(): boolean;
  close(): Promise<void>;
}

function positiveNumber(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new UsageError(`${flag} must be a positive number; got ${JSON.stringify(value)}`);
  return parsed;
}

/** Checks the identity flags; `enabled` says whether --components names identity. */
export function identitySettings(values: IdentityValues, enabled: boolean): IdentitySettings | undefined {
  if (!enabled) {
    // The control plane's namespace and trust domain name identities for the destination too.
    const shared = ['controller-namespace', 'identity-trust-domain'];
    const given = Object.keys(identityFlags).filter((flag) => values[flag as keyof IdentityValues] !== undefined && !shared.includes(flag));
    if (given.length > 0) throw new UsageError(`--${given[0]} needs --components to include identity`);
    return undefined;
  }
  const issuerDir = values['identity-issuer-dir'];
  const anchorsFile = values['identity-trust-anchors-file'];
  if (typeof issuerDir !== 'string') throw new UsageError('--identity-issuer-dir is required with the identity component');
  if (typeof anchorsFile !== 'string') throw new UsageError('--identity-trust-anchors-file is required with the identity component');
  const listen = address('--identity-addr', String(values['identity-addr'] ?? '0.0.0.0:8080'));
  const str = (value: string | boolean | undefined): string | undefined => (typeof value === 'string' ? value : undefined);
  return {
    host: listen.host, port: listen.port, issuerDir, anchorsFile,
    trustDomain: str(values['identity-trust-domain']) ?? 'cluster.local',
    controllerNamespace: str(values['controller-namespace']) ?? 'linkerd',
    lifetimeMs: duration('--identity-issuance-lifetime', str(values['identity-issuance-lifetime']), 24 * 3600_000, 60_000),
    clockSkewMs: duration('--identity-clock-skew-allowance', str(values['identity-clock-skew-allowance']), 20_000),
    clientRate: positiveNumber('--identity-client-rate', str(values['identity-client-rate']), 10),
    clientBurst: positiveNumber('--identity-client-burst', str(values['identity-client-burst']), 20),
    reviewWithoutAudience: values['identity-review-without-audience'] === true,
  };
}

/** Starts the identity service. The X.509 modules are loaded here, not when the CLI starts. */
export async function startIdentity(settings: IdentitySettings, kubeConfig: KubeConfig, registry: Registry, log: Logger): Promise<IdentityComponent> {
  const [{ readTrustAnchors }, { createIssuerSource }, { createIdentityMetrics }, { createTokenReviewer }, { createCertifier },
    { createRateLimiter }, { startIdentityServer }, { isDnsLabel, isTrustDomain }] = await Promise.all([
    import('../identity/trust-anchors.js'), import('../identity/issuer-source.js'), import('../identity/identity-metrics.js'),
    import('../identity/token-reviewer.js'), import('../identity/certifier.js'), import('../identity/rate-limiter.js'),
    import('../identity/identity-server.js'), import('../identity/identity-name.js'),
  ]);
  if (!isTrustDomain(settings.trustDomain)) throw new UsageError(`--identity-trust-domain must be a DNS name; got ${JSON.stringify(settings.trustDomain)}`);
  if (!isDnsLabel(settings.controllerNamespace)) throw new UsageError(`--controller-namespace must be a DNS label; got ${JSON.stringify(settings.controllerNamespace)}`);
  const identityLog = log.child({ component: 'identity' });
  const anchors = readTrustAnchors(settings.anchorsFile);
  const metrics = createIdentityMetrics(registry);
  const issuers = createIssuerSource({ dir: settings.issuerDir, anchors, log: identityLog, metrics });
  await issuers.reload();
  const certifier = createCertifier({
    issuer: () => issuers.current(),
    reviewer: createTokenReviewer({ client: kubeApiClient(kubeConfig), retryWithoutAudience: settings.reviewWithoutAudience }),
    domain: { trustDomain: settings.trustDomain, controllerNamespace: settings.controllerNamespace },
    policy: { lifetimeMs: settings.lifetimeMs, clockSkewMs: settings.clockSkewMs },
    limiter: createRateLimiter({ perSecond: settings.clientRate, burst: settings.clientBurst }),
    log: identityLog,
  });
  const server = await startIdentityServer({ address: settings.host, port: settings.port, certifier, metrics, log: identityLog });
  identityLog.info('identity service started', { addr: `${settings.host}:${server.port}`, anchors: anchors.certificates.length });
  return {
    port: server.port,
    ready() {
      const issuer = issuers.current();
      return issuer !== undefined && Date.now() < issuer.notAfter.getTime();
    },
    async close() {
      issuers.close();
      await server.close();
    },
  };
}
