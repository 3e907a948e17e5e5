/**
 * The identity service's Prometheus metrics, registered on the process's one registry.
 *
 * `issuer_cert_ttl_seconds` is computed when scraped: seconds from now until the loaded issuer's
 * NotAfter (negative once it has expired), and 0 while no issuer has ever loaded.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type ReloadResult = 'loaded' | 'refused';

export interface IdentityMetrics {
  /** Certify calls by gRPC status code name (OK, INVALID_ARGUMENT, ...). */
  readonly certifications: Counter<'code'>;
  readonly certifyDuration: Histogram;
  readonly issuerReloads: Counter<'result'>;
  /** Sets the NotAfter the TTL gauge reports against. */
  issuerExpiry(notAfter: Date): void;
}

export function createIdentityMetrics(registry: Registry, now: () => number = Date.now): IdentityMetrics {
  const registers = [registry];
  let expiry: Date | undefined;
  new Gauge({
    name: 'issuer_cert_ttl_seconds',
    help: 'Seconds until the identity issuer certificate in use expires',
    registers,
    collect() {
      this.set(expiry === undefined ? 0 : (expiry.getTime() - now()) / 1000);
    },
  });
  return {
    certifications: new Counter({ name: 'identity_certify_total', help: 'Certify calls answered, by gRPC status code', labelNames: ['code'], registers }),
    certifyDuration: new Histogram({
      name: 'identity_certify_duration_seconds', help: 'Time to answer one Certify call, token review included',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1], registers,
    }),
    issuerReloads: new Counter({ name: 'identity_issuer_reloads_total', help: 'Issuer loads from disk, by result (refused: the old issuer stays)', labelNames: ['result'], registers }),
    issuerExpiry(notAfter) {
      expiry = notAfter;
    },
  };
}
