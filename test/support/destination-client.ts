/**
 * A Destination API client for tests: the real grpc-js client on the same .proto files, folding
 * each Get stream the way a proxy does (add replaces by address, remove deletes, no_endpoints
 * clears) so a test can compare the folded set with the cluster.
 */
import { credentials, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import type { ProtoGrpcType } from '../../src/gen/proto/destination.js';
import type { DestinationClient } from '../../src/gen/proto/io/linkerd/proxy/destination/Destination.js';
import type { DestinationProfile__Output } from '../../src/gen/proto/io/linkerd/proxy/destination/DestinationProfile.js';
import type { Update__Output } from '../../src/gen/proto/io/linkerd/proxy/destination/Update.js';
import type { WeightedAddr__Output } from '../../src/gen/proto/io/linkerd/proxy/destination/WeightedAddr.js';
import { fromIpAddress } from '../../src/streams/destination/ip-address.js';
import { loadProtos } from '../../src/streams/proto.js';

export function destinationClient(port: number): DestinationClient {
  const proto = loadProtos<ProtoGrpcType>(['destination.proto']);
  return new proto.io.linkerd.proxy.destination.Destination(`127.0.0.1:${port}`, credentials.createInsecure());
}

export class FoldedGet {
  readonly updates: Update__Output[] = [];
  readonly endpoints = new Map<string, WeightedAddr__Output>();
  exists: boolean | undefined;
  error: ServiceError | undefined;
  ended = false;
  readonly call: ClientReadableStream<Update__Output>;

  constructor(client: DestinationClient, path: string, contextToken = '') {
    this.call = client.Get({ scheme: 'k8s', path, context_token: contextToken });
    this.call.on('data', (update: Update__Output) => this.apply(update));
    this.call.on('error', (error: ServiceError) => { this.error = error; });
    this.call.on('end', () => { this.ended = true; });
  }

  private apply(update: Update__Output): void {
    this.updates.push(update);
    if (update.add) {
      this.exists = true;
      for (const addr of update.add.addrs) this.endpoints.set(nameOf(addr.addr), addr);
    } else if (update.remove) {
      for (const addr of update.remove.addrs) this.endpoints.delete(nameOf(addr));
    } else if (update.no_endpoints) {
      this.exists = update.no_endpoints.exists;
      this.endpoints.clear();
    }
  }

  names(): string[] {
    return [...this.endpoints.keys()].sort();
  }

  cancel(): void {
    this.call.cancel();
  }
}

export class ProfileStream {
  readonly profiles: DestinationProfile__Output[] = [];
  error: ServiceError | undefined;
  readonly call: ClientReadableStream<DestinationProfile__Output>;

  constructor(client: DestinationClient, path: string, contextToken = '') {
    this.call = client.GetProfile({ scheme: 'k8s', path, context_token: contextToken });
    this.call.on('data', (profile: DestinationProfile__Output) => this.profiles.push(profile));
    this.call.on('error', (error: ServiceError) => { this.error = error; });
  }

  latest(): DestinationProfile__Output | undefined {
    return this.profiles[this.profiles.length - 1];
  }

  cancel(): void {
    this.call.cancel();
  }
}

function nameOf(address: { ip: Parameters<typeof fromIpAddress>[0]; port: number } | null): string {
  return `${fromIpAddress(address?.ip) ?? '?'}:${address?.port ?? 0}`;
}

export async function eventually(check: () => string | undefined, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let problem = check();
  while (problem !== undefined && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    problem = check();
  }
  if (problem !== undefined) throw new Error(`never happened: ${problem}`);
}
