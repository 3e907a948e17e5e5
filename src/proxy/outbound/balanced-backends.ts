/**
 * The balanced backends the outbound side sends to, one per Destination path (a Service's
 * authority and port): the endpoints Destination.Get reports, balanced by power of two choices
 * over PeakEWMA, behind a bounded queue with fail-fast (balance/).
 *
 * Contract: a backend is created on first use and watched until it has been unused for `idleMs`.
 * Each endpoint update replaces the balancer's set whole; a removed endpoint takes no new
 * requests, and its connections close only once the requests already on them have finished
 * (endpoint-transport.ts `release`), so removing an endpoint fails no request in flight. While
 * Destination is unreachable the last endpoints stay in use.
 */
import type { Observable, Subscription } from 'rxjs';
import { EndpointQueue } from '../balance/endpoint-queue.js';
import { P2cBalancer, type Pick } from '../balance/p2c-balancer.js';
import type { ConsecutiveFailuresPolicy } from '../balance/failure-accrual.js';
import type { Endpoint, EndpointSet } from '../discovery/endpoint-set.js';
import type { EndpointTransport } from './endpoint-transport.js';

export interface BackendSettings {
  readonly queueCapacity: number;
  readonly failfastMs: number;
  readonly failureAccrual: ConsecutiveFailuresPolicy | undefined;
  readonly ewma: { readonly defaultRttMs: number; readonly decayMs: number } | undefined;
}

export interface BalancedBackend {
  readonly path: string;
  acquire(signal: AbortSignal): Promise<Pick<Endpoint>>;
  /** Whether Destination said the service exists and has no endpoints. */
  endpoints(): EndpointSet | undefined;
}

export interface BalancedBackendsOptions {
  readonly watch: (path: string) => Observable<EndpointSet>;
  readonly transport: EndpointTransport;
  readonly idleMs: number;
  readonly onError: (path: string, error: unknown) => void;
}

interface Entry {
  readonly backend: BalancedBackend;
  readonly close: () => void;
  lastUsed: number;
  /** The settings it was built with; other settings for the same path build another entry. */
  readonly settingsKey: string;
}

export interface BalancedBackends {
  backend(path: string, settings: BackendSettings): BalancedBackend;
  close(): void;
}

export function balancedBackends(options: BalancedBackendsOptions): BalancedBackends {
  const entries = new Map<string, Entry>();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, entry] of entries) {
      if (now - entry.lastUsed > options.idleMs) {
        entry.close();
        entries.delete(key);
      }
    }
  }, Math.max(1000, options.idleMs / 2));
  sweep.unref();
  return {
    backend: (path, settings) => {
      const settingsKey = JSON.stringify(settings);
      const key = `${path}|${settingsKey}`;
      let entry = entries.get(key);
      if (entry === undefined) {
        entry = openBackend(path, settings, settingsKey, options);
        entries.set(key, entry);
      }
      entry.lastUsed = Date.now();
      return entry.backend;
    },
    close: () => {
      clearInterval(sweep);
      for (const entry of entries.values()) entry.close();
      entries.clear();
    },
  };
}

function openBackend(path: string, settings: BackendSettings, settingsKey: string, options: BalancedBackendsOptions): Entry {
  const balancer = new P2cBalancer<Endpoint>({ failureAccrual: settings.failureAccrual, ewma: settings.ewma });
  const queue = new EndpointQueue(balancer, { capacity: settings.queueCapacity, failfastMs: settings.failfastMs, name: path });
  let latest: EndpointSet | undefined;
  const subscription: Subscription = options.watch(path).subscribe({
    next: (set) => {
      const previous = latest;
      latest = set;
      balancer.update(set.endpoints);
      if (previous === undefined) return;
      for (const [key, endpoint] of previous.endpoints) {
        const next = set.endpoints.get(key);
        if (next === undefined || next.tlsIdentity?.name !== endpoint.tlsIdentity?.name) options.transport.release(key);
      }
    },
    error: (error: unknown) => options.onError(path, error),
  });
  return {
    backend: { path, acquire: (signal) => queue.acquire(signal), endpoints: () => latest },
    close: () => {
      subscription.unsubscribe();
      queue.close();
      for (const key of latest?.endpoints.keys() ?? []) options.transport.release(key);
    },
    lastUsed: Date.now(),
    settingsKey,
  };
}
