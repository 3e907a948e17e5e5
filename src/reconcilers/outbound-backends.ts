/**
 * Backends of outbound routes, as Linkerd builds them: a Service is balanced by power of two
 * choices over PeakEWMA load estimates (default RTT 30 ms, decay 10 s), its endpoints come from
 * Destination.Get of its authority, and requests wait in a queue of 100 that fails them after 3 s
 * without an available endpoint. A backend that cannot be used (no such Service, no port, a kind or
 * filter Sinew does not support) is kept with its weight but has no endpoints and a filter that
 * fails its requests with a 500 naming the reason, so the traffic share it was given fails visibly
 * instead of moving to the other backends.
 */
import type { Metadata } from '../gen/proto/io/linkerd/proxy/meta/Metadata.js';
import type { Backend } from '../gen/proto/io/linkerd/proxy/outbound/Backend.js';
import type { Queue } from '../gen/proto/io/linkerd/proxy/outbound/Queue.js';
import { protoDuration } from './outbound-durations.js';

export const defaultQueue: Queue = { capacity: 100, failfast_timeout: protoDuration(3000) };

export const peakEwma = { default_rtt: protoDuration(30), decay: protoDuration(10_000) };

export interface ServicePortRef {
  readonly namespace: string;
  readonly name: string;
  readonly port: number;
}

/** `<name>.<namespace>.svc.<cluster-domain>:<port>`: what Destination.Get resolves. */
export function serviceAuthority(service: ServicePortRef, clusterDomain: string): string {
  return `${service.name}.${service.namespace}.svc.${clusterDomain}:${service.port}`;
}

export function serviceMetadata(service: ServicePortRef): Metadata {
  return { resource: { group: 'core', kind: 'Service', name: service.name, namespace: service.namespace, section: '', port: service.port } };
}

/** A Service port as a load-balanced backend. */
export function serviceBackend(service: ServicePortRef, clusterDomain: string): Backend {
  return {
    metadata: serviceMetadata(service),
    queue: defaultQueue,
    balancer: {
      discovery: { dst: { path: serviceAuthority(service, clusterDomain) } },
      peak_ewma: peakEwma,
    },
  };
}

/** A backend with nowhere to send requests; its route backend fails them (see the module comment). */
export function unusableBackend(metadata: Metadata): Backend {
  return { metadata, queue: defaultQueue };
}

export const invalidMetadata: Metadata = { default: 'invalid' };
