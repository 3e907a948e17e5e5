/**
 * One Watch subscriber's view of a Service's outbound view: folds the hub's messages and sends the
 * OutboundPolicy that applies to it (outbound-client-policy.ts), only when it differs from the last
 * one sent, so changes elsewhere in the view (another port's route, a diagnostic) send nothing.
 * When the view goes away (the Service was deleted) the lens says `gone` once; the server ends the
 * stream with NOT_FOUND, as a fresh Watch for it would be answered.
 */
import type { OutboundPolicy } from '../../gen/proto/io/linkerd/proxy/outbound/OutboundPolicy.js';
import type { OutboundItem } from '../../reconcilers/outbound-items.js';
import { fold } from '../differ.js';
import type { SnapshotItem } from '../snapshot.js';
import type { ViewMessage } from '../view-message.js';
import { clientPolicy, type OutboundTarget } from './outbound-client-policy.js';

export type LensOutput = { readonly kind: 'policies'; readonly policies: readonly OutboundPolicy[] } | { readonly kind: 'gone' };

export class OutboundLens {
  private readonly items = new Map<string, SnapshotItem<OutboundItem>>();
  private lastSent: string | undefined;

  constructor(private readonly target: OutboundTarget, private readonly clusterDomain: string) {}

  next(message: ViewMessage<OutboundItem>): LensOutput {
    if (message.type === 'snapshot') {
      this.items.clear();
      if (!message.exists) return { kind: 'gone' };
      for (const item of message.items) this.items.set(item.name, item);
    } else fold(this.items, message);
    const policy = clientPolicy([...this.items.values()].map((item) => item.value), this.target, this.clusterDomain);
    if (policy === undefined) return { kind: 'gone' };
    const text = JSON.stringify(policy);
    if (text === this.lastSent) return { kind: 'policies', policies: [] };
    this.lastSent = text;
    return { kind: 'policies', policies: [policy] };
  }
}
