/**
 * Test helpers for the discovery watches: a subscriber that records what an Observable emits,
 * metrics that count what the streams report, and stream settings fast enough for tests.
 */
import net from 'node:net';
import type { ChannelOptions, status } from '@grpc/grpc-js';
import type { Observable, Subscription } from 'rxjs';
import type { DiscoveryMetrics, DiscoveryRpc } from '../../../src/proxy/discovery/discovery-metrics.js';
import type { StreamSettings } from '../../../src/proxy/discovery/resilient-stream.js';

export class Recorder<T> {
  readonly values: T[] = [];
  error: unknown;
  completed = false;
  private readonly subscription: Subscription;

  constructor(source: Observable<T>) {
    this.subscription = source.subscribe({
      next: (value) => this.values.push(value),
      error: (error: unknown) => { this.error = error; },
      complete: () => { this.completed = true; },
    });
  }

  latest(): T | undefined {
    return this.values[this.values.length - 1];
  }

  unsubscribe(): void {
    this.subscription.unsubscribe();
  }
}

export class CountingMetrics implements DiscoveryMetrics {
  requests = 0;
  reconnects = 0;
  readonly responses: { rpc: DiscoveryRpc; code: status }[] = [];

  onRequest(): void { this.requests++; }
  onResponse(rpc: DiscoveryRpc, code: status): void { this.responses.push({ rpc, code }); }
  onReconnect(): void { this.reconnects++; }
}

/** Backoff without jitter, 20 ms doubling to 160 ms, healthy after 100 ms. */
export function fastSettings(metrics: DiscoveryMetrics, extra: StreamSettings = {}): StreamSettings {
  return { backoff: { initialMs: 20, maxMs: 160, factor: 2, jitter: 0 }, healthyMs: 100, metrics, ...extra };
}

/** grpc-js's own reconnect backoff, shortened so a restarted server is found quickly. */
export const quickChannel: ChannelOptions = { 'grpc.initial_reconnect_backoff_ms': 50, 'grpc.max_reconnect_backoff_ms': 200 };

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
