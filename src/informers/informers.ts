/**
 * All of Sinew's informers as one stream: one reflector per kind, merged.
 *
 * Each reflector starts from what the store holds for its kind (resume), or lists. There is no
 * order across kinds. The stream never completes on its own; unsubscribing stops every watch.
 */
import { merge, type Observable } from 'rxjs';
import type { Logger } from '../observe/logger.js';
import type { EngineMetrics } from '../observe/metrics.js';
import type { ApiClient } from './api-client.js';
import type { BackoffPolicy } from './backoff.js';
import type { InformerEvent } from './event.js';
import { type KindSpec, resourceId } from './kind.js';
import type { ResourceId } from './object.js';
import { reflect, type ReflectorSeed } from './reflector.js';

export interface InformersOptions {
  readonly client: ApiClient;
  readonly kinds: readonly KindSpec[];
  readonly seed: (resource: ResourceId) => ReflectorSeed;
  readonly log: Logger;
  readonly metrics?: EngineMetrics;
  readonly backoff?: BackoffPolicy;
  readonly requestTimeoutMs?: number;
  readonly watchTimeoutSeconds?: () => number;
  readonly awaitCapacity?: () => Promise<void> | undefined;
}

export function informers(options: InformersOptions): Observable<InformerEvent> {
  return merge(...options.kinds.map((spec) => reflect({
    spec,
    client: options.client,
    seed: options.seed(resourceId(spec)),
    log: options.log,
    metrics: options.metrics,
    backoff: options.backoff,
    requestTimeoutMs: options.requestTimeoutMs,
    watchTimeoutSeconds: options.watchTimeoutSeconds,
    awaitCapacity: options.awaitCapacity,
  })));
}
