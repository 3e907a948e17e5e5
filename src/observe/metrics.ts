/**
 * The control plane's Prometheus metrics, on prom-client. One registry per process, built by the
 * composition root and passed down; modules take the narrow metric handles they use.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface EngineMetrics {
  readonly registry: Registry;
  readonly informerEvents: Counter<'resource' | 'type'>;
  readonly informerProjectionErrors: Counter<'resource'>;
  readonly informerMalformedLines: Counter<'resource'>;
  readonly informerErrors: Counter<'resource' | 'reason'>;
  readonly informerRelists: Counter<'resource' | 'reason'>;
  readonly informerLastEventSeconds: Gauge<'resource'>;
  readonly storeCommits: Counter;
  readonly storeRebuilds: Counter<'reason'>;
  readonly reconcileDuration: Histogram<'reconciler'>;
  readonly reconcileErrors: Counter<'reconciler'>;
  readonly queueDepth: Gauge;
  readonly subscribers: Gauge<'view'>;
  readonly streamOverflows: Counter<'view'>;
}

export function createEngineMetrics(registry: Registry = new Registry()): EngineMetrics {
  const r = [registry];
  return {
    registry,
    informerEvents: new Counter({ name: 'informer_events_total', help: 'Watch and list events applied, by resource and type', labelNames: ['resource', 'type'], registers: r }),
    informerProjectionErrors: new Counter({ name: 'informer_projection_errors_total', help: 'Objects that failed their projection and were skipped', labelNames: ['resource'], registers: r }),
    informerMalformedLines: new Counter({ name: 'informer_malformed_lines_total', help: 'Watch lines that could not be parsed (each forces a relist)', labelNames: ['resource'], registers: r }),
    informerErrors: new Counter({ name: 'informer_errors_total', help: 'List and watch failures, by reason', labelNames: ['resource', 'reason'], registers: r }),
    informerRelists: new Counter({ name: 'informer_relists_total', help: 'Full lists, by reason', labelNames: ['resource', 'reason'], registers: r }),
    informerLastEventSeconds: new Gauge({ name: 'informer_last_event_timestamp_seconds', help: 'When the last event of a resource arrived (informer lag = now - this)', labelNames: ['resource'], registers: r }),
    storeCommits: new Counter({ name: 'store_commits_total', help: 'LMDB write transactions committed', registers: r }),
    storeRebuilds: new Counter({ name: 'store_rebuilds_total', help: 'Stores discarded and rebuilt from a list, by reason', labelNames: ['reason'], registers: r }),
    reconcileDuration: new Histogram({ name: 'reconcile_duration_seconds', help: 'Time to reconcile one key', labelNames: ['reconciler'], buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1], registers: r }),
    reconcileErrors: new Counter({ name: 'reconcile_errors_total', help: 'Reconciles that threw (the key is retried)', labelNames: ['reconciler'], registers: r }),
    queueDepth: new Gauge({ name: 'reconcile_queue_depth', help: 'Keys waiting to be reconciled', registers: r }),
    subscribers: new Gauge({ name: 'view_subscribers', help: 'Open subscriptions, by view', labelNames: ['view'], registers: r }),
    streamOverflows: new Counter({ name: 'stream_overflows_total', help: 'Subscriptions closed because their bounded queue overflowed', labelNames: ['view'], registers: r }),
  };
}
