/**
 * What the proxy knows about each original destination its application connects to, kept
 * current while connections use it and dropped after an idle period.
 *
 * A target resolves to one of:
 * - `policy`: the policy controller's OutboundPolicy for it (a Service's cluster IP, or the egress
 *   fallback for an address outside the cluster's networks);
 * - `endpoint`: the controller answered NOT_FOUND (an address in the cluster that is no Service's,
 *   e.g. a pod IP), so the proxy forwards to the address itself, over mutual TLS when
 *   Destination.GetProfile says a meshed pod has it (its `endpoint` carries the identity);
 * - `direct`: there is no policy controller (local use), so the proxy forwards to the address.
 *
 * Contract: `resolve(target)` waits for the first resolution at most `timeoutMs` and then rejects
 * with a ProxyError (`no-endpoints`); later it answers at once with the latest one, which is
 * replaced whole on each update (a connection or request reads one value and keeps it). While the
 * controller is away the latest value stays. A target unused for `idleMs` stops being watched.
 */
import { type Observable, type Subscription, firstValueFrom, map, catchError, of, timeout, ReplaySubject } from 'rxjs';
import type { DestinationProfile__Output } from '../../gen/proto/io/linkerd/proxy/destination/DestinationProfile.js';
import type { OutboundPolicy__Output } from '../../gen/proto/io/linkerd/proxy/outbound/OutboundPolicy.js';
import { DiscoveryRejectedError } from '../discovery/discovery-errors.js';
import { endpointOf, type Endpoint } from '../discovery/endpoint-set.js';
import type { HostPort } from '../host-port.js';
import { hostPortText } from '../host-port.js';
import { ProxyError } from '../http/proxy-error.js';

export type TargetResolution =
  | { readonly kind: 'policy'; readonly policy: OutboundPolicy__Output }
  | { readonly kind: 'endpoint'; readonly endpoint: Endpoint }
  | { readonly kind: 'direct'; readonly address: HostPort };

export interface OutboundTargetsOptions {
  /** Watches a target's policy; undefined without a policy controller. */
  readonly watchPolicy: ((target: HostPort) => Observable<OutboundPolicy__Output>) | undefined;
  /** Watches the profile of `ip:port` (for a pod's endpoint and identity). */
  readonly watchProfile: ((target: HostPort) => Observable<DestinationProfile__Output>) | undefined;
  readonly timeoutMs: number;
  readonly idleMs: number;
  readonly onError: (target: HostPort, error: unknown) => void;
}

interface Entry {
  readonly latest: ReplaySubject<TargetResolution>;
  subscription: Subscription | undefined;
  current: TargetResolution | undefined;
  lastUsed: number;
}

export interface OutboundTargets {
  resolve(target: HostPort): Promise<TargetResolution>;
  /** The latest resolution, if there is one (for requests on an open connection). */
  current(target: HostPort): TargetResolution | undefined;
  close(): void;
}

export function outboundTargets(options: OutboundTargetsOptions): OutboundTargets {
  const entries = new Map<string, Entry>();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, entry] of entries) {
      if (now - entry.lastUsed > options.idleMs) {
        entry.subscription?.unsubscribe();
        entries.delete(key);
      }
    }
  }, Math.max(1000, options.idleMs / 2));
  sweep.unref();
  const entryFor = (target: HostPort): Entry => {
    const key = hostPortText(target);
    let entry = entries.get(key);
    if (entry === undefined) {
      const created: Entry = { latest: new ReplaySubject<TargetResolution>(1), current: undefined, lastUsed: Date.now(), subscription: undefined };
      created.subscription = resolutions(target, options).subscribe({
        next: (resolution) => {
          created.current = resolution;
          created.latest.next(resolution);
        },
        error: (error: unknown) => options.onError(target, error),
      });
      entry = created;
      entries.set(key, entry);
    }
    entry.lastUsed = Date.now();
    return entry;
  };
  return {
    resolve: async (target) => {
      const entry = entryFor(target);
      if (entry.current !== undefined) return entry.current;
      try {
        return await firstValueFrom(entry.latest.pipe(timeout(options.timeoutMs)));
      } catch {
        throw new ProxyError('no-endpoints', `no outbound policy for ${hostPortText(target)} within ${options.timeoutMs} ms`);
      }
    },
    current: (target) => {
      const entry = entries.get(hostPortText(target));
      if (entry !== undefined) entry.lastUsed = Date.now();
      return entry?.current;
    },
    close: () => {
      clearInterval(sweep);
      for (const entry of entries.values()) entry.subscription?.unsubscribe();
      entries.clear();
    },
  };
}

function resolutions(target: HostPort, options: OutboundTargetsOptions): Observable<TargetResolution> {
  if (options.watchPolicy === undefined) return of({ kind: 'direct', address: target });
  return options.watchPolicy(target).pipe(
    map((policy): TargetResolution => ({ kind: 'policy', policy })),
    catchError((error: unknown) => {
      if (error instanceof DiscoveryRejectedError && error.code === 5 /* NOT_FOUND */) return endpointResolution(target, options);
      throw error;
    }),
  );
}

/** A cluster address that is no Service's: the pod behind it, with its identity, or the address as it is. */
function endpointResolution(target: HostPort, options: OutboundTargetsOptions): Observable<TargetResolution> {
  if (options.watchProfile === undefined) return of({ kind: 'direct', address: target });
  return options.watchProfile(target).pipe(
    map((profile): TargetResolution => {
      const endpoint = profile.endpoint == null ? undefined : endpointOf(profile.endpoint, {});
      if (endpoint === undefined || typeof endpoint === 'string') return { kind: 'direct', address: target };
      return { kind: 'endpoint', endpoint };
    }),
    catchError(() => of<TargetResolution>({ kind: 'direct', address: target })),
  );
}
