/**
 * OutboundPolicies calls for tests, on the real grpc-js client: Get as a promise, and Watch
 * collecting every policy it receives.
 */
import type { ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import type { OutboundPoliciesClient } from '../../src/gen/proto/io/linkerd/proxy/outbound/OutboundPolicies.js';
import type { OutboundPolicy__Output } from '../../src/gen/proto/io/linkerd/proxy/outbound/OutboundPolicy.js';
import type { TrafficSpec } from '../../src/gen/proto/io/linkerd/proxy/outbound/TrafficSpec.js';
import { toIpAddress } from '../../src/streams/destination/ip-address.js';

export const shopClient = JSON.stringify({ ns: 'shop', pod: 'client-0' });

export function byAuthority(authority: string, workload = shopClient): TrafficSpec {
  return { source_workload: workload, authority };
}

export function byAddress(ip: string, port: number, workload = shopClient): TrafficSpec {
  return { source_workload: workload, addr: { ip: toIpAddress(ip), port } };
}

export type GetResult = { readonly policy: OutboundPolicy__Output; readonly error?: undefined } | { readonly policy?: undefined; readonly error: ServiceError };

export function get(client: OutboundPoliciesClient, spec: TrafficSpec): Promise<GetResult> {
  return new Promise((resolve) => {
    client.Get(spec, (error, policy) => resolve(error !== null || policy === undefined
      ? { error: error ?? ({ message: 'no policy' } as ServiceError) }
      : { policy }));
  });
}

export class PolicyWatch {
  readonly policies: OutboundPolicy__Output[] = [];
  error: ServiceError | undefined;
  ended = false;
  readonly call: ClientReadableStream<OutboundPolicy__Output>;

  constructor(client: OutboundPoliciesClient, spec: TrafficSpec) {
    this.call = client.Watch(spec);
    this.call.on('data', (policy: OutboundPolicy__Output) => this.policies.push(policy));
    this.call.on('error', (error: ServiceError) => { this.error = error; });
    this.call.on('end', () => { this.ended = true; });
  }

  latest(): OutboundPolicy__Output | undefined {
    return this.policies[this.policies.length - 1];
  }

  cancel(): void {
    this.call.cancel();
  }
}

/** The names of the HTTP routes a detect policy carries (`default:<name>` for a default). */
export function httpRouteNames(policy: OutboundPolicy__Output | undefined): string[] {
  return (policy?.protocol?.detect?.http1?.routes ?? []).map((route) => route.metadata?.resource?.name ?? `default:${route.metadata?.default ?? '?'}`);
}
