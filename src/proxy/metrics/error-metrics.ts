/**
 * Proxy error metrics as Linkerd's proxy exports them: `inbound_http_errors_total` and
 * `outbound_http_errors_total` labelled by `error`, and `inbound_tcp_errors_total` and
 * `outbound_tcp_errors_total` labelled by target address and `error`: requests and connections
 * the proxy could not serve because of its own error (not the application's).
 *
 * Contract: each call resolves its series (errors are not the hot path) in a capped family.
 * `error` must be one of the proxy's fixed error words (the labels of proxy-error.ts), never text
 * taken from a request.
 */
import { joinLabels, labelText } from './label-set.js';
import { type SocketTarget, targetLabels } from './linkerd-labels.js';
import type { MetricRegistry } from './metric-registry.js';

export interface ErrorMetrics {
  inboundHttp(error: string): void;
  outboundHttp(error: string): void;
  inboundTcp(target: SocketTarget, error: string): void;
  outboundTcp(target: SocketTarget, error: string): void;
}

export function createErrorMetrics(registry: MetricRegistry): ErrorMetrics {
  const inboundHttp = registry.counter('inbound_http_errors_total', 'Inbound HTTP requests the proxy failed to serve, by error');
  const inboundTcp = registry.counter('inbound_tcp_errors_total', 'Inbound TCP connections the proxy failed to serve, by target and error');
  const outboundHttp = registry.counter('outbound_http_errors_total', 'Outbound HTTP requests the proxy failed to serve, by error');
  const outboundTcp = registry.counter('outbound_tcp_errors_total', 'Outbound TCP connections the proxy failed to serve, by target and error');
  const error = (word: string) => labelText([['error', word]]);
  return {
    inboundHttp: (word) => inboundHttp.add(error(word)),
    outboundHttp: (word) => outboundHttp.add(error(word)),
    inboundTcp: (target, word) => inboundTcp.add(joinLabels(targetLabels(target), error(word))),
    outboundTcp: (target, word) => outboundTcp.add(joinLabels(targetLabels(target), error(word))),
  };
}
