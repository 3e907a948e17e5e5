/**
 * The policy for an address that is no Service's and lies outside the cluster's networks: forward
 * to the original destination, as Linkerd's `egress-fallback` does. The proxy detects HTTP (10 s)
 * and sends everything, HTTP or not, to that one address, with the usual queue and no failure
 * accrual.
 */
import type { TcpAddress } from '../../gen/proto/io/linkerd/proxy/net/TcpAddress.js';
import type { Backend } from '../../gen/proto/io/linkerd/proxy/outbound/Backend.js';
import type { HttpRoute } from '../../gen/proto/io/linkerd/proxy/outbound/HttpRoute.js';
import type { OutboundPolicy } from '../../gen/proto/io/linkerd/proxy/outbound/OutboundPolicy.js';
import { defaultQueue } from '../../reconcilers/outbound-backends.js';
import { detectTimeout, opaqueRoute } from './outbound-client-policy.js';

export function egressFallbackPolicy(address: TcpAddress): OutboundPolicy {
  const metadata = { default: 'egress-fallback' };
  const backend: Backend = { metadata, queue: defaultQueue, forward: { addr: address, weight: 1 } };
  const route: HttpRoute = {
    metadata,
    hosts: [],
    rules: [{ matches: [{}], filters: [], backends: { first_available: { backends: [{ backend, filters: [] }] } } }],
  };
  return {
    metadata,
    protocol: {
      detect: {
        timeout: detectTimeout,
        opaque: { routes: [opaqueRoute(backend, metadata)] },
        http1: { routes: [route], failure_accrual: null },
        http2: { routes: [route], failure_accrual: null },
      },
    },
  };
}
