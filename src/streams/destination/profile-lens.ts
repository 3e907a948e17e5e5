/**
 * One GetProfile subscriber's view of a service's profiles view: folds the hub's messages and
 * sends the DestinationProfile that applies to it, only when it differs from the last one sent.
 *
 * The ServiceProfile in the client's namespace wins, then the one in the service's namespace;
 * without either, Linkerd's default (no routes, retry budget 20% / 10 per second / 10 s). The
 * profile is opaque when the port is one of the service's opaque ports. A service that is gone
 * gets the default profile with no name, so the proxy forwards by address.
 */
import type { DestinationProfile } from '../../gen/proto/io/linkerd/proxy/destination/DestinationProfile.js';
import type { RetryBudget } from '../../gen/proto/io/linkerd/proxy/destination/RetryBudget.js';
import type { ProfileSpec } from '../../reconcilers/profile-routes.js';
import type { ProfileItem, ServiceFacts } from '../../reconcilers/profiles.js';
import { parsePortSet } from '../../reconcilers/port-set.js';
import { fold } from '../differ.js';
import type { SnapshotItem } from '../snapshot.js';
import type { ViewMessage } from '../view-message.js';

export const defaultRetryBudget: RetryBudget = { retry_ratio: 0.2, min_retries_per_second: 10, ttl: { seconds: '10', nanos: 0 } };

export function defaultProfile(): DestinationProfile {
  return { fully_qualified_name: '', opaque_protocol: false, routes: [], retry_budget: defaultRetryBudget, dst_overrides: [] };
}

export class ProfileLens {
  private exists = false;
  private readonly items = new Map<string, SnapshotItem<ProfileItem>>();
  private lastSent: string | undefined;

  constructor(private readonly serviceName: string, private readonly serviceNamespace: string,
    private readonly clientNamespace: string | undefined, private readonly port: number) {}

  next(message: ViewMessage<ProfileItem>): DestinationProfile[] {
    if (message.type === 'snapshot') {
      this.items.clear();
      this.exists = message.exists;
      for (const item of message.items) this.items.set(item.name, item);
    } else fold(this.items, message);
    const profile = this.exists ? this.profile() : defaultProfile();
    const text = JSON.stringify(profile);
    if (text === this.lastSent) return [];
    this.lastSent = text;
    return [profile];
  }

  private profile(): DestinationProfile {
    const facts = this.items.get('service')?.value as ServiceFacts | undefined;
    const chosen = (this.clientNamespace === undefined ? undefined : this.items.get(`sp:${this.clientNamespace}`))
      ?? this.items.get(`sp:${this.serviceNamespace}`);
    const spec = chosen?.value as ProfileSpec | undefined;
    const opaque = facts !== undefined && parsePortSet(facts.opaquePorts).has(this.port);
    return {
      fully_qualified_name: facts?.fqdn ?? '',
      opaque_protocol: opaque,
      routes: opaque ? [] : [...(spec?.routes ?? [])],
      retry_budget: spec?.retry_budget ?? defaultRetryBudget,
      dst_overrides: [...(spec?.dst_overrides ?? [])],
      parent_ref: { resource: { group: 'core', kind: 'Service', name: this.serviceName } },
      profile_ref: spec === undefined ? null : { resource: { group: 'linkerd.io', kind: 'ServiceProfile', name: spec.name } },
    };
  }
}
