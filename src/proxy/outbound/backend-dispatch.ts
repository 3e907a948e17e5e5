/**
 * From a route's backend (policy/outbound-backends.ts) to the endpoint a request or connection
 * goes to: a balancer's pick among the Destination path's endpoints, the one address of a
 * forward, or the failure a `fail` dispatcher stands for (503 with its message).
 *
 * Contract: every successful result carries a Pick whose `end(outcome)` the caller must call
 * once the exchange is over (the balancer learns latency and failures from it); a forward's pick
 * is a no-op.
 */
import type { Pick } from '../balance/p2c-balancer.js';
import { endpointOf, type Endpoint } from '../discovery/endpoint-set.js';
import { ProxyError } from '../http/proxy-error.js';
import type { Backend } from '../policy/outbound-backends.js';
import type { BackendSettings, BalancedBackends } from './balanced-backends.js';
import { FailFastError, QueueClosedError, QueueFullError } from '../balance/endpoint-queue.js';

export async function dispatch<F>(backend: Backend<F>, backends: BalancedBackends, signal: AbortSignal): Promise<Pick<Endpoint>> {
  const dispatcher = backend.dispatcher;
  if (dispatcher.kind === 'fail') throw new ProxyError('no-endpoints', dispatcher.message);
  if (dispatcher.kind === 'forward') {
    const endpoint = endpointOf(dispatcher.endpoint, {});
    if (typeof endpoint === 'string') throw new ProxyError('no-endpoints', `cannot forward to ${dispatcher.addr}: ${endpoint}`);
    return fixedPick(endpoint);
  }
  const balanced = backends.backend(dispatcher.path, settingsOf(backend));
  try {
    return await balanced.acquire(signal);
  } catch (error) {
    throw queueError(error, dispatcher.path);
  }
}

function settingsOf<F>(backend: Backend<F>): BackendSettings {
  const { dispatcher } = backend;
  const accrual = dispatcher.kind === 'balancer' ? dispatcher.failureAccrual : undefined;
  return {
    queueCapacity: backend.queue.capacity,
    failfastMs: backend.queue.failfastTimeoutMs,
    failureAccrual: accrual === undefined ? undefined : {
      maxFailures: accrual.maxFailures, minPenaltyMs: accrual.backoff.minMs, maxPenaltyMs: accrual.backoff.maxMs, jitterRatio: accrual.backoff.jitterRatio,
    },
    ewma: dispatcher.kind === 'balancer' ? { defaultRttMs: dispatcher.load.defaultRttMs, decayMs: dispatcher.load.decayMs } : undefined,
  };
}

function queueError(error: unknown, path: string): unknown {
  if (error instanceof FailFastError) return new ProxyError('fail-fast', `service ${path} in fail-fast`, { cause: error });
  if (error instanceof QueueFullError) return new ProxyError('queue-full', `service ${path} is overloaded`, { cause: error });
  if (error instanceof QueueClosedError) return new ProxyError('no-endpoints', error.message, { cause: error });
  return error;
}

/** A pick of one fixed endpoint, outside any balancer. */
export function fixedPick(endpoint: Endpoint): Pick<Endpoint> {
  return { key: endpoint.key, endpoint, complete: () => undefined, end: () => undefined };
}
