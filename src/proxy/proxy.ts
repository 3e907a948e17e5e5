/**
 * `sinew proxy`'s composition root: builds the proxy from its environment (proxy-env.ts) and
 * wires identity, the control-plane clients, inbound and outbound data paths, metrics and the
 * admin server. Nothing else in src/proxy/ builds long-lived objects.
 *
 * Start-up order: admin first (so /live answers and /ready says 503), then identity; when the
 * control plane is reached over TLS, the discovery clients wait for the proxy's first certificate
 * (they present it); then the listeners. `stop(graceMs)` stops accepting, lets requests in flight
 * finish for at most `graceMs`, then closes what is left.
 */
import type net from 'node:net';
import { firstValueFrom, filter, NEVER, type Observable } from 'rxjs';
import type { Logger } from '../observe/logger.js';
import { startProxyAdmin } from './admin-server.js';
import { controlClients, type ControlClients } from './control-clients.js';
import { watchDestination } from './discovery/destination-watch.js';
import type { EndpointSet } from './discovery/endpoint-set.js';
import { watchInboundPort } from './discovery/inbound-port-watch.js';
import { watchOutboundPolicy } from './discovery/outbound-policy-watch.js';
import { watchProfile } from './discovery/profile-watch.js';
import type { StreamSettings } from './discovery/resilient-stream.js';
import { type HostPort, hostPortText } from './host-port.js';
import { defaultHttpServerLimits, httpServers, type HttpServers } from './http/http-servers.js';
import { startIdentityClient, type IdentityClient } from './identity-client.js';
import { defaultServer } from './inbound/default-server.js';
import { serveInbound, type InboundConnection } from './inbound/inbound-connection.js';
import { inboundHttp } from './inbound/inbound-http.js';
import { inboundPolicies } from './inbound/inbound-policies.js';
import { startListener, type RunningListener } from './listener.js';
import type { LogLevelSetting } from './log-level.js';
import { createProxyMetrics } from './metrics/proxy-metrics.js';
import { originalDestination } from './original-dst.js';
import { balancedBackends } from './outbound/balanced-backends.js';
import { endpointTransport } from './outbound/endpoint-transport.js';
import { serveOutbound, type OutboundConnection } from './outbound/outbound-connection.js';
import { outboundHttp } from './outbound/outbound-http.js';
import { outboundTargets } from './outbound/outbound-targets.js';
import type { ProxyEnv } from './proxy-env.js';
import { inboundTelemetry, outboundTelemetry } from './proxy-telemetry.js';
import { createTapRegistry, type TapRegistry } from './tap/tap-registry.js';
import { startTapServer, type RunningTapServer } from './tap/tap-server.js';

export interface ProxyOptions {
  readonly env: ProxyEnv;
  /** The raw environment, for /env.json. */
  readonly rawEnv: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  readonly logLevel: LogLevelSetting;
  readonly version: string;
  /** Called when /shutdown is asked for (the CLI then stops the proxy). */
  readonly onShutdown: () => void;
}

export interface RunningProxy {
  readonly admin: HostPort;
  readonly inbound: readonly HostPort[];
  readonly outbound: readonly HostPort[];
  ready(): boolean;
  stop(graceMs: number): Promise<void>;
}

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const { env, log } = options;
  const metrics = createProxyMetrics({ build: { version: options.version, vendor: 'sinew' } });
  const identity = startIdentity(env, log);
  identity?.updates.subscribe((id) => { if (id !== undefined) metrics.identity.certificateRefreshed(id.notAfter); });
  const ready = (): boolean => identity === undefined || identity.current() !== undefined;
  const admin = await startProxyAdmin({
    listen: env.adminListen, ready, metrics: () => metrics.render(), env: options.rawEnv, logLevel: options.logLevel,
    shutdownEnabled: env.shutdownEndpointEnabled, shutdown: options.onShutdown, log,
  });
  const needsCertificate = env.identity !== undefined && [env.destination, env.policy].some((service) => service.addr !== undefined && service.name !== undefined);
  if (needsCertificate && identity !== undefined) {
    log.info('waiting for an identity certificate before reaching the control plane over mutual TLS');
    await firstValueFrom(identity.updates.pipe(filter((id) => id !== undefined)));
  }
  const clients = controlClientsFor(env, identity);
  const settings: StreamSettings = { limits: env.controlStream };
  const taps = createTapRegistry();
  const parts = dataPath(options, identity, clients, settings, metrics, taps);
  const listeners = await startListeners(env, parts, log);
  const tap = await startTap(env, identity, taps, log);
  log.info('proxy started', {
    admin: `${env.adminListen.host}:${admin.port}`,
    inbound: listeners.inbound.map((l) => hostPortText(l.address)).join(','),
    outbound: listeners.outbound.map((l) => hostPortText(l.address)).join(','),
    identity: env.identity?.localName ?? 'disabled',
    tap: tap === undefined ? 'disabled' : `${env.controlListen.host}:${tap.port}`,
  });
  return {
    admin: { host: env.adminListen.host, port: admin.port },
    inbound: listeners.inbound.map((l) => l.address),
    outbound: listeners.outbound.map((l) => l.address),
    ready,
    stop: async (graceMs) => {
      await Promise.all([...listeners.inbound, ...listeners.outbound].map((l) => l.stop()));
      await tap?.close();
      parts.drain();
      await drained([...listeners.inbound, ...listeners.outbound], graceMs);
      parts.close();
      clients?.close();
      identity?.close();
      await admin.close();
    },
  };
}

function startIdentity(env: ProxyEnv, log: Logger): IdentityClient | undefined {
  if (env.identity === undefined) return undefined;
  return startIdentityClient({
    addr: env.identity.addr, serverName: env.identity.name, trustAnchorsPem: env.identity.trustAnchorsPem,
    localName: env.identity.localName, tokenFile: env.identity.tokenFile, log: log.child({ component: 'identity' }),
    refresh: { minMs: env.identity.minRefreshMs, maxMs: env.identity.maxRefreshMs },
  });
}

/** The tap API on the control listener, when LINKERD2_PROXY_TAP_SVC_NAME names its one client (tap/tap-server.ts). */
async function startTap(env: ProxyEnv, identity: IdentityClient | undefined, taps: TapRegistry, log: Logger): Promise<RunningTapServer | undefined> {
  if (env.tapSvcName === undefined || identity === undefined) return undefined;
  return startTapServer({ listen: env.controlListen, tapSvcName: env.tapSvcName, identity, registry: taps, log: log.child({ component: 'tap' }) });
}

function controlClientsFor(env: ProxyEnv, identity: IdentityClient | undefined): ControlClients | undefined {
  const destination = env.destination.addr;
  const policy = env.policy.addr ?? destination;
  if (destination === undefined || policy === undefined) return undefined;
  return controlClients({
    destination: { addr: destination, name: env.destination.name },
    policy: { addr: policy, name: env.policy.addr === undefined ? env.destination.name : env.policy.name },
    trustAnchorsPem: env.identity?.trustAnchorsPem,
  }, identity?.current(), identity?.updates);
}

interface DataPath {
  readonly inbound: (socket: net.Socket, target: HostPort) => void;
  readonly outbound: (socket: net.Socket, target: HostPort) => void;
  drain(): void;
  close(): void;
}

function dataPath(options: ProxyOptions, identity: IdentityClient | undefined, clients: ControlClients | undefined,
  settings: StreamSettings, metrics: ReturnType<typeof createProxyMetrics>, taps: TapRegistry): DataPath {
  const { env, log } = options;
  const workload = env.policy.workload === undefined ? undefined : JSON.stringify(env.policy.workload);
  const current = () => identity?.current();
  const policies = inboundPolicies({
    watch: clients === undefined || workload === undefined ? undefined : (port) => watchInboundPort(clients.inbound, workload, port, settings),
    defaultFor: (port) => defaultServer({
      policy: env.defaultInboundPolicy, clusterNetworks: env.policy.clusterNetworks, detectTimeoutMs: env.inboundDetectTimeoutMs,
      opaque: env.inboundOpaquePorts.has(port), requireIdentity: env.requireIdentityPorts.has(port),
    }),
    ports: env.inboundPorts,
    onError: (port, error) => log.warn('inbound policy watch stopped; the last policy stays in force', { port, error: String(error) }),
  });
  const limits = { ...defaultHttpServerLimits, headersTimeoutMs: env.httpHeaderTimeoutMs };
  const inTelemetry = inboundTelemetry(metrics);
  const inHttp = inboundHttp({ policies, forwardHost: env.inboundForwardHost, connectTimeoutMs: env.inboundConnectTimeoutMs, telemetry: inTelemetry, taps });
  const inServers: HttpServers<InboundConnection> = httpServers((request, response, connection) => inHttp.handle(request, response, connection), limits);
  const transport = endpointTransport({
    identity: current, identityEnabled: env.identity !== undefined, connectTimeoutMs: env.outboundConnectTimeoutMs,
    http2KeepAliveMs: env.outboundHttp2KeepAlive?.intervalMs ?? 0, localAddress: env.outboundBindHost,
  });
  const contextToken = env.destination.context;
  const targets = outboundTargets({
    watchPolicy: clients === undefined || workload === undefined ? undefined
      : (target) => watchOutboundPolicy(clients.outbound, { ip: target.host, port: target.port }, workload, settings),
    watchProfile: clients === undefined ? undefined : (target) => watchProfile(clients.destination, hostPortText(target), contextToken, settings),
    timeoutMs: env.outboundTcpFailfastTimeoutMs,
    idleMs: Math.max(env.outboundDiscoveryIdleTimeoutMs, 60_000),
    onError: (target, error) => log.warn('outbound policy watch stopped; the last policy stays in force', { target: hostPortText(target), error: String(error) }),
  });
  const backends = balancedBackends({
    watch: (path) => (clients === undefined ? neverEndpoints() : watchDestination(clients.destination, path, contextToken, { ...settings, log })),
    transport,
    idleMs: Math.max(env.outboundDiscoveryIdleTimeoutMs, 60_000),
    onError: (path, error) => log.warn('Destination watch stopped', { path, error: String(error) }),
  });
  const outTelemetry = outboundTelemetry(metrics);
  const outHttp = outboundHttp({ targets, backends, transport, telemetry: outTelemetry, log, taps });
  const outServers: HttpServers<OutboundConnection> = httpServers((request, response, connection) => outHttp.handle(request, response, connection), limits);
  return {
    inbound: (socket, target) => void serveInbound(socket, target, {
      identity: current, localName: env.identity?.localName, proxyPort: env.inboundListen.port, policies, opaquePorts: env.inboundOpaquePorts,
      forwardHost: env.inboundForwardHost, connectTimeoutMs: env.inboundConnectTimeoutMs, detectTimeoutMs: env.inboundDetectTimeoutMs,
      telemetry: inTelemetry, serveHttp: (stream, kind, connection) => inServers.serve(stream, kind, connection), log,
    }),
    outbound: (socket, target) => void serveOutbound(socket, target, {
      targets, backends, transport, detectTimeoutMs: env.outboundDetectTimeoutMs, connectTimeoutMs: env.outboundConnectTimeoutMs,
      telemetry: outTelemetry, serveHttp: (stream, kind, connection) => outServers.serve(stream, kind, connection), log,
    }),
    drain: () => {
      inServers.drain();
      outServers.drain();
    },
    close: () => {
      inServers.close();
      outServers.close();
      inHttp.close();
      outHttp.close();
      policies.close();
      targets.close();
      backends.close();
      transport.close();
    },
  };
}

interface Listeners {
  readonly inbound: readonly RunningListener[];
  readonly outbound: readonly RunningListener[];
}

async function startListeners(env: ProxyEnv, parts: DataPath, log: Logger): Promise<Listeners> {
  const unknown = (direction: string) => (socket: net.Socket): void => {
    log.warn(`${direction} connection without an original destination closed`, { client: socket.remoteAddress ?? '' });
  };
  const redirected = (fallbackToLocal: boolean) => (socket: net.Socket): HostPort | undefined => {
    try {
      const found = originalDestination(socket);
      if (found !== undefined) return found;
    } catch (error) {
      log.debug('no original destination', { error: String(error) });
    }
    return fallbackToLocal && socket.localAddress !== undefined && socket.localPort !== undefined
      ? { host: socket.localAddress.replace(/^::ffff:/, ''), port: socket.localPort } : undefined;
  };
  const inbound = [await startListener({ listen: env.inboundListen, target: redirected(true), handler: parts.inbound, onUnknownTarget: unknown('inbound') })];
  const outbound: RunningListener[] = [];
  for (const listen of env.outboundListen) {
    outbound.push(await startListener({ listen, target: redirected(false), handler: parts.outbound, onUnknownTarget: unknown('outbound') }));
  }
  for (const entry of env.staticTargets) {
    const handler = entry.direction === 'inbound' ? parts.inbound : parts.outbound;
    const listener = await startListener({ listen: entry.listen, target: entry.target, handler, onUnknownTarget: unknown(entry.direction) });
    (entry.direction === 'inbound' ? inbound : outbound).push(listener);
  }
  return { inbound, outbound };
}

/** Resolves once no listener has open connections, or after `graceMs`. */
async function drained(listeners: readonly RunningListener[], graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && listeners.some((listener) => listener.connections() > 0)) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function neverEndpoints(): Observable<EndpointSet> {
  return NEVER;
}
