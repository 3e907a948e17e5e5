/**
 * One WatchPort subscriber's view of a pod's inbound view: folds the hub's messages and sends the
 * `inbound.Server` for its port, only when it differs from the last one sent. A pod that goes away
 * ends the stream's updates with nothing more to say; the caller decides (see the service).
 */
import type { Server } from '../../gen/proto/io/linkerd/proxy/inbound/Server.js';
import type { InboundServer } from '../../reconcilers/inbound-model.js';
import { type InboundItem, inboundServerForPort } from '../../reconcilers/inbound-policy.js';
import type { MeshConfig } from '../../reconcilers/mesh-config.js';
import { fold } from '../differ.js';
import type { SnapshotItem } from '../snapshot.js';
import type { ViewMessage } from '../view-message.js';
import { serverMessage } from './inbound-message.js';

export class InboundLens {
  private exists = false;
  private readonly items = new Map<string, SnapshotItem<InboundItem>>();
  private lastSent: string | undefined;

  constructor(private readonly config: MeshConfig, private readonly port: number) {}

  /** The pod's server for the port, in the model's terms (undefined while the pod is unknown). */
  current(): InboundServer | undefined {
    if (!this.exists) return undefined;
    return inboundServerForPort(this.config, new Map([...this.items].map(([name, item]) => [name, item.value])), this.port);
  }

  next(message: ViewMessage<InboundItem>): Server[] {
    if (message.type === 'snapshot') {
      this.items.clear();
      this.exists = message.exists;
      for (const item of message.items) this.items.set(item.name, item);
    } else fold(this.items, message);
    const server = this.current();
    if (server === undefined) return [];
    const out = serverMessage(server);
    const text = JSON.stringify(out);
    if (text === this.lastSent) return [];
    this.lastSent = text;
    return [out];
  }
}
