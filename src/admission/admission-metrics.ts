/**
 * The admission webhooks' Prometheus metrics, on the registry the composition root passes in (or a
 * private one, so a server started without a registry still counts).
 *
 * `admission_requests_total{webhook, outcome}`: one count per HTTP request answered, by the path
 * it was sent to (`unknown` for paths no webhook serves) and its outcome: allowed, denied,
 * bad_request (not JSON, or not an AdmissionReview), too_large, not_found, method_not_allowed,
 * error (a validator threw).
 */
import { Counter, Histogram, Registry } from 'prom-client';

export type AdmissionOutcome = 'allowed' | 'denied' | 'bad_request' | 'too_large' | 'not_found' | 'method_not_allowed' | 'error';

export interface AdmissionMetrics {
  readonly requests: Counter<'webhook' | 'outcome'>;
  /** Time to validate one review, by webhook (reviews only: bad requests are not timed). */
  readonly reviewDuration: Histogram<'webhook'>;
  /** TLS certificate reloads from files, by result (refused: the old certificate stays). */
  readonly certificateReloads: Counter<'result'>;
}

export function createAdmissionMetrics(registry: Registry = new Registry()): AdmissionMetrics {
  const registers = [registry];
  return {
    requests: new Counter({
      name: 'admission_requests_total', help: 'Admission webhook requests answered, by webhook path and outcome',
      labelNames: ['webhook', 'outcome'], registers,
    }),
    reviewDuration: new Histogram({
      name: 'admission_review_duration_seconds', help: 'Time to validate one AdmissionReview, by webhook path',
      labelNames: ['webhook'], buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers,
    }),
    certificateReloads: new Counter({
      name: 'admission_certificate_reloads_total', help: 'Webhook TLS certificate reloads from files, by result (refused: the old one stays)',
      labelNames: ['result'], registers,
    }),
  };
}
