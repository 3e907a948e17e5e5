/**
 * One outbound connection from the application: its original destination is resolved
 * (outbound-targets.ts), then the protocol is chosen: an opaque policy (or an opaque endpoint
 * hint) means TCP; otherwise the first bytes decide (HTTP/2 preface, HTTP/1 request line, else
 * opaque after the detect timeout). HTTP goes to the HTTP server (outbound-http.ts, routing per
 * request); TCP to a backend endpoint of the policy's opaque route, or to the address itself.
 *
 * A target that cannot be resolved in time closes the connection: the proxy never guesses where
 * a connection to an unknown address should go.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../observe/logger.js';
import type { Endpoint } from '../discovery/endpoint-set.js';
import { endpointKey } from '../discovery/endpoint-set.js';
import type { HostPort } from '../host-port.js';
import { asProxyError, ProxyError } from '../http/proxy-error.js';
import { opaqueRoute, pickBackend, policyKind } from '../policy/outbound-router.js';
import { detectProtocol } from '../protocol-detect.js';
import { forwardTcp } from '../tcp/tcp-forward.js';
import type { BalancedBackends } from './balanced-backends.js';
import { dispatch } from './backend-dispatch.js';
import type { EndpointTransport } from './endpoint-transport.js';
import type { OutboundTargets, TargetResolution } from './outbound-targets.js';
import type { OutboundTelemetry } from './outbound-telemetry.js';

export interface OutboundConnectionContext {
  readonly targets: OutboundTargets;
  readonly backends: BalancedBackends;
  readonly transport: EndpointTransport;
  readonly detectTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly telemetry: OutboundTelemetry;
  readonly serveHttp: (socket: Duplex, kind: 'h2' | 'http1', connection: OutboundConnection) => void;
  readonly log: Logger;
}

export interface OutboundConnection {
  readonly target: HostPort;
  /** The resolution when the connection was accepted (requests use the latest one). */
  readonly resolution: TargetResolution;
}

export async function serveOutbound(socket: net.Socket, target: HostPort, context: OutboundConnectionContext): Promise<void> {
  socket.on('error', (error) => context.log.debug('outbound connection error', { error: error.message }));
  let resolution: TargetResolution;
  try {
    resolution = await context.targets.resolve(target);
  } catch (error) {
    context.log.warn('outbound target unresolved; closing the connection', { target: `${target.host}:${target.port}`, error: asProxyError(error).message });
    socket.destroy();
    return;
  }
  const connection: OutboundConnection = { target, resolution };
  if (!isOpaque(resolution)) {
    const detected = await detectProtocol(socket, context.detectTimeoutMs);
    if (detected.kind === 'h2' || detected.kind === 'http1') {
      context.serveHttp(socket, detected.kind, connection);
      return;
    }
  }
  await serveTcp(socket, connection, context);
}

function isOpaque(resolution: TargetResolution): boolean {
  if (resolution.kind === 'policy') return policyKind(resolution.policy) === 'opaque';
  if (resolution.kind === 'endpoint') return resolution.endpoint.protocolHint === 'opaque';
  return false;
}

async function serveTcp(socket: net.Socket, connection: OutboundConnection, context: OutboundConnectionContext): Promise<void> {
  const session = context.telemetry.connection(socket, connection);
  let endpoint: Endpoint;
  const abort = new AbortController();
  socket.once('close', () => abort.abort(new Error('client closed')));
  try {
    endpoint = await tcpEndpoint(connection, context, abort.signal);
  } catch (error) {
    context.log.info('outbound TCP connection failed', { target: `${connection.target.host}:${connection.target.port}`, error: asProxyError(error).message });
    socket.destroy();
    session.close(asProxyError(error));
    return;
  }
  let upstream: Duplex;
  try {
    upstream = context.transport.tcp(endpoint);
  } catch (error) {
    socket.destroy();
    session.close(asProxyError(error));
    return;
  }
  session.endpoint(endpoint, endpoint.tlsIdentity !== undefined && context.transport.meshed(endpoint), undefined);
  const result = await forwardTcp(socket, upstream);
  session.close(result.error);
}

async function tcpEndpoint(connection: OutboundConnection, context: OutboundConnectionContext, signal: AbortSignal): Promise<Endpoint> {
  const resolution = context.targets.current(connection.target) ?? connection.resolution;
  if (resolution.kind === 'endpoint') return resolution.endpoint;
  if (resolution.kind === 'direct') return plainEndpoint(resolution.address);
  const choice = opaqueRoute(resolution.policy);
  if (choice.kind !== 'route') throw new ProxyError('no-route', choice.reason);
  const refusal = choice.filters.find((action) => action.kind !== undefined);
  if (refusal !== undefined) throw new ProxyError(refusal.kind === 'forbidden' ? 'unauthorized' : 'no-endpoints', 'message' in refusal ? refusal.message : 'forbidden by route');
  const backend = pickBackend(choice, Math.random);
  if (backend === undefined) throw new ProxyError('no-endpoints', 'the opaque route has no backends');
  const pick = await dispatch(backend, context.backends, signal);
  pick.complete();
  pick.end('success');
  return pick.endpoint;
}

export function plainEndpoint(address: HostPort): Endpoint {
  return { key: endpointKey(address.host, address.port), ip: address.host, port: address.port, weight: 1, labels: {} };
}
