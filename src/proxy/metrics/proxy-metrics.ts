/**
 * The proxy's metrics: one object, made by the composition root, that hands each part of the
 * proxy the narrow handle it counts with, and renders everything for the admin server's /metrics
 * in the Prometheus text format (0.0.4) under Linkerd's family and label names.
 *
 * Contract:
 * - Hot path: label sets are resolved when a handle is made (per endpoint, connection, route or
 *   control-plane client); a request then costs a few number adds and one histogram bucket.
 * - Bounded: each family holds at most `maxSeriesPerFamily` series (default 10,000); label sets
 *   beyond that share the family's `overflow="true"` series and are counted in
 *   `proxy_metrics_series_dropped_total{family}`. Series nobody holds are dropped after
 *   `retainIdleMs` (default 10 minutes) without updates.
 * - `render` never throws for lack of /proc: process metrics it cannot read are left out.
 */
import { type AuthzMetrics, createAuthzMetrics } from './authz-metrics.js';
import { createErrorMetrics, type ErrorMetrics } from './error-metrics.js';
import {
  type ControlClientLabels, controlClientLabels, type HttpEndpointLabels, httpEndpointLabels, type HttpEndpointMetrics,
  httpEndpointMetrics, registerHttpFamilies,
} from './http-metrics.js';
import { noLabels } from './label-set.js';
import { sanitisedLabels } from './linkerd-labels.js';
import { MetricRegistry, type MetricRegistryOptions } from './metric-registry.js';
import { type ProcessSample, processSampler, writeProcessMetrics } from './process-metrics.js';
import { exposition } from './prometheus-text.js';
import { registerTcpFamilies, tcpConnection, type TcpConnectionMetrics, type TcpPeerLabels, tcpPeerLabels } from './tcp-metrics.js';

export interface ProxyMetricsOptions extends MetricRegistryOptions {
  /** Labels of `proxy_build_info` (for example version, git_sha, vendor). */
  readonly build?: Readonly<Record<string, string>>;
  /** Where process metrics come from; /proc/self and Node by default. */
  readonly sampleProcess?: () => Promise<ProcessSample>;
}

export interface HttpMetrics {
  /** One handle per endpoint (or per connection): see http-metrics.ts. */
  endpoint(labels: HttpEndpointLabels): HttpEndpointMetrics;
}

export interface TcpMetrics {
  /** Counts the connection open; the handle counts its bytes and its close. */
  connection(labels: TcpPeerLabels): TcpConnectionMetrics;
}

export interface ControlMetrics {
  /** One handle per control-plane client (destination, policy, identity). */
  client(labels: ControlClientLabels): HttpEndpointMetrics;
}

export interface IdentityMetrics {
  /** A new leaf certificate is in use: sets the expiration gauge and counts the refresh. */
  certificateRefreshed(notAfter: Date): void;
}

export interface ProxyMetrics {
  readonly http: HttpMetrics;
  readonly tcp: TcpMetrics;
  readonly authz: AuthzMetrics;
  readonly errors: ErrorMetrics;
  readonly control: ControlMetrics;
  readonly identity: IdentityMetrics;
  /** The Content-Type of `render`'s output. */
  readonly contentType: string;
  render(): Promise<string>;
}

export function createProxyMetrics(options: ProxyMetricsOptions = {}): ProxyMetrics {
  const registry = new MetricRegistry(options);
  const http = registerHttpFamilies(registry, '');
  const control = registerHttpFamilies(registry, 'control_');
  const tcp = registerTcpFamilies(registry);
  const authz = createAuthzMetrics(registry);
  const errors = createErrorMetrics(registry);
  const identity = createIdentityMetrics(registry);
  const build = registry.gauge('proxy_build_info', 'Constant 1, labelled with how this proxy was built', { retainIdleMs: Infinity });
  build.set(sanitisedLabels(options.build ?? { version: 'unknown' }), 1);
  const sampleProcess = options.sampleProcess ?? processSampler();
  return {
    http: { endpoint: (labels) => httpEndpointMetrics(http, httpEndpointLabels(labels)) },
    tcp: { connection: (labels) => tcpConnection(tcp, tcpPeerLabels(labels)) },
    authz,
    errors,
    control: { client: (labels) => httpEndpointMetrics(control, controlClientLabels(labels)) },
    identity,
    contentType: exposition,
    async render() {
      const sample = await sampleProcess();
      const out = registry.render();
      writeProcessMetrics(out, sample);
      return out.join('');
    },
  };
}

function createIdentityMetrics(registry: MetricRegistry): IdentityMetrics {
  const fixed = { retainIdleMs: Infinity };
  const expiration = registry.gauge('identity_cert_expiration_timestamp_seconds', 'When the proxy\'s current identity certificate expires, in seconds since the Unix epoch', fixed);
  const refreshes = registry.counter('identity_cert_refresh_count', 'Identity certificates obtained from the identity service', fixed);
  return {
    certificateRefreshed(notAfter) {
      expiration.set(noLabels, Math.floor(notAfter.getTime() / 1000));
      refreshes.add(noLabels);
    },
  };
}
