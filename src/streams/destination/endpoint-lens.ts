/**
 * One Destination.Get subscriber's view of an endpoints view: folds the hub's snapshot and deltas,
 * narrows them to what this subscriber may use, and turns the difference from what it was sent
 * into `Update` messages.
 *
 * - The first message is `add` of every endpoint, or `no_endpoints{exists: true}` when there are
 *   none; `no_endpoints{exists: false}` whenever the service is gone. An emptied set is sent as
 *   `no_endpoints{exists: true}` (no DNS fallback), never as silence.
 * - Narrowing: a `<hostname>.` authority keeps that StatefulSet pod only; a Service with
 *   `internalTrafficPolicy: Local` keeps endpoints on the caller's node; topology hints apply when
 *   every endpoint has them and some serve the caller's zone.
 * - A changed endpoint is sent again in an `add` (the proxy replaces it by address).
 * - Cost: a subscriber that narrows nothing (the common case) turns each delta straight into
 *   Updates, and an endpoint's WeightedAddr is built once per view item, shared by every stream.
 */
import type { Update } from '../../gen/proto/io/linkerd/proxy/destination/Update.js';
import type { WeightedAddr } from '../../gen/proto/io/linkerd/proxy/destination/WeightedAddr.js';
import type { TcpAddress } from '../../gen/proto/io/linkerd/proxy/net/TcpAddress.js';
import type { EndpointAddress } from '../../reconcilers/endpoints.js';
import { fold } from '../differ.js';
import type { SnapshotItem } from '../snapshot.js';
import type { ViewMessage } from '../view-message.js';
import { toIpAddress } from './ip-address.js';

export interface EndpointNarrowing {
  readonly hostname?: string;
  /** Set for `internalTrafficPolicy: Local`: only endpoints on this node. */
  readonly node?: string;
  /** The caller's zone, for topology hints. */
  readonly zone?: string;
}

type Item = SnapshotItem<EndpointAddress>;

export class EndpointLens {
  private exists = false;
  private readonly full = new Map<string, Item>();
  private sent = new Map<string, Item>();
  private last: 'none' | 'gone' | 'empty' | 'endpoints' = 'none';

  constructor(private readonly narrowing: EndpointNarrowing, private readonly setLabels: Readonly<Record<string, string>>) {}

  next(message: ViewMessage<EndpointAddress>): Update[] {
    if (message.type === 'delta' && this.last === 'endpoints' && this.narrows === false) return this.passThrough(message);
    if (message.type === 'snapshot') {
      this.full.clear();
      this.exists = message.exists;
      for (const item of message.items) this.full.set(item.name, item);
    } else fold(this.full, message);

    if (!this.exists) {
      this.sent = new Map();
      return this.transition('gone', [{ no_endpoints: { exists: false } }]);
    }
    const selected = this.select();
    if (selected.size === 0) {
      this.sent = selected;
      return this.transition('empty', [{ no_endpoints: { exists: true } }]);
    }
    const updates: Update[] = [];
    if (this.last === 'endpoints') {
      const removed = [...this.sent.values()].filter((item) => !selected.has(item.name));
      if (removed.length > 0) updates.push({ remove: { addrs: removed.map((item) => tcpAddress(item.value)) } });
    }
    const added = [...selected.values()].filter((item) => this.last !== 'endpoints' || this.sent.get(item.name)?.version !== item.version);
    if (added.length > 0) updates.push({ add: { addrs: added.map(encodedAddr), metric_labels: { ...this.setLabels } } });
    this.sent = selected;
    this.last = 'endpoints';
    return updates;
  }

  /** Unnarrowed and already streaming: the delta is the update, less what was never sent. */
  private passThrough(delta: Extract<ViewMessage<EndpointAddress>, { type: 'delta' }>): Update[] {
    fold(this.full, delta);
    const removed = delta.removals.map((name) => this.sent.get(name)).filter((item): item is Item => item !== undefined);
    for (const item of removed) this.sent.delete(item.name);
    for (const item of delta.upserts) this.sent.set(item.name, item);
    if (this.sent.size === 0) return this.transition('empty', [{ no_endpoints: { exists: true } }]);
    const updates: Update[] = [];
    if (removed.length > 0) updates.push({ remove: { addrs: removed.map((item) => tcpAddress(item.value)) } });
    if (delta.upserts.length > 0) updates.push({ add: { addrs: delta.upserts.map(encodedAddr), metric_labels: { ...this.setLabels } } });
    return updates;
  }

  private get narrows(): boolean {
    const { hostname, node, zone } = this.narrowing;
    return hostname !== undefined || node !== undefined || zone !== undefined;
  }

  private transition(state: 'gone' | 'empty', updates: Update[]): Update[] {
    if (this.last === state) return [];
    this.last = state;
    return updates;
  }

  private select(): Map<string, Item> {
    let items = [...this.full.values()];
    const { hostname, node, zone } = this.narrowing;
    if (hostname !== undefined) items = items.filter((item) => item.value.hostname === hostname);
    if (node !== undefined) items = items.filter((item) => item.value.node === node);
    if (zone !== undefined && items.length > 0 && items.every((item) => (item.value.forZones?.length ?? 0) > 0)) {
      const local = items.filter((item) => item.value.forZones?.includes(zone) === true);
      if (local.length > 0) items = local;
    }
    return new Map(items.map((item) => [item.name, item]));
  }
}

/** WeightedAddrs by view item: items are shared by every session on a view, so each is built once. */
const encoded = new WeakMap<Item, WeightedAddr>();

function encodedAddr(item: Item): WeightedAddr {
  let addr = encoded.get(item);
  if (addr === undefined) encoded.set(item, addr = weightedAddr(item.value));
  return addr;
}

function tcpAddress(value: EndpointAddress): TcpAddress {
  return { ip: toIpAddress(value.address) ?? null, port: value.port };
}

export function weightedAddr(value: EndpointAddress): WeightedAddr {
  const labels: Record<string, string> = { ...(value.labels ?? {}) };
  if (value.zone !== undefined) labels.zone = value.zone;
  return {
    addr: tcpAddress(value),
    weight: 10_000,
    metric_labels: labels,
    tls_identity: value.identity === undefined ? null
      : { dns_like_identity: { name: value.identity }, server_name: { name: value.identity } },
    protocol_hint: value.protocol === 'h2' ? { h2: {} }
      : value.protocol === 'opaque'
        ? { opaque: {}, opaque_transport: value.opaqueTransportPort === undefined ? null : { inbound_port: value.opaqueTransportPort } }
        : null,
    resource_ref: value.pod === undefined ? null : { resource: { group: 'core', kind: 'Pod', name: value.pod } },
  };
}
