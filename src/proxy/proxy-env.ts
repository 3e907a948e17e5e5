/**
 * The proxy's configuration, read from its environment: Linkerd's `LINKERD2_PROXY_*` variables with
 * the meanings and defaults of Linkerd's proxy, so one pod spec runs either proxy, plus two Sinew
 * variables for running the proxy without iptables:
 *
 * - `SINEW_PROXY_ORIGINAL_DST_MAP`: a comma list of `inbound|outbound:LISTEN_IP:PORT=TARGET_IP:PORT`.
 *   The proxy listens on LISTEN and treats every connection accepted there as if SO_ORIGINAL_DST
 *   had returned TARGET.
 * - `SINEW_PROXY_INBOUND_FORWARD_HOST` (default 127.0.0.1): where the inbound proxy connects to the
 *   application, on the connection's original port.
 * - `SINEW_PROXY_OUTBOUND_BIND_HOST` (default: the kernel's choice): the source address of the
 *   outbound proxy's connections, so that on one machine each "pod" connects from its own address.
 * - `SINEW_PROXY_HTTP_HEADER_TIMEOUT` (default 10s): how long a client may take to send a request's
 *   head once detection found HTTP/1 (a slow client is answered 408 and closed).
 *
 * Reading is pure and total: unknown variables are ignored, and every malformed or missing one is
 * collected into a single ProxyEnvError whose lines each name the variable and what is wrong.
 * Departures from Linkerd's proxy, each so that Sinew's own injector and local runs are served:
 * durations may also be Go durations (see duration-value.ts); the destination and policy services
 * may be left unset (the proxy then runs without discovery); `LINKERD2_PROXY_IDENTITY_DISABLED`
 * (any value but empty or `false`) turns identity off instead of being refused.
 */
import { isIP } from 'node:net';
import { defaultPolicyNames, isDefaultPolicyName, type DefaultPolicyName } from '../reconcilers/inbound-model.js';
import { isLoopback } from './admin-server.js';
import type { HostPort } from './host-port.js';
import { parseLogFilter } from './log-level.js';
import {
  BadValue, bool, dnsName, duration, EnvReader, hostPort, ipList, name, networks, portSet, staticTargets, suffixes, workload,
} from './proxy-env-values.js';

export type { HostPort };

export type ProxyDirection = 'inbound' | 'outbound';

export interface StaticTarget {
  readonly direction: ProxyDirection;
  readonly listen: HostPort;
  readonly target: HostPort;
}

export interface DestinationEnv {
  readonly addr: HostPort | undefined;
  /** The service's identity; undefined when its address is on localhost (no TLS). */
  readonly name: string | undefined;
  /** Sent as the destination request's `context_token`, unread. */
  readonly context: string;
  readonly profileSuffixes: readonly string[];
  readonly profileNetworks: readonly string[];
}

export interface PolicyWorkload {
  readonly ns: string;
  readonly pod: string;
}

export interface PolicyEnv {
  readonly addr: HostPort | undefined;
  readonly name: string | undefined;
  readonly workload: PolicyWorkload | undefined;
  readonly clusterNetworks: readonly string[];
}

export interface IdentityEnv {
  readonly dir: string;
  readonly tokenFile: string;
  readonly trustAnchorsPem: string;
  readonly localName: string;
  readonly addr: HostPort;
  readonly name: string | undefined;
  readonly minRefreshMs: number;
  readonly maxRefreshMs: number;
}

export interface Http2KeepAlive {
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

/** Limits on each control-plane stream; undefined means none. */
export interface ControlStreamLimits {
  readonly initialTimeoutMs: number | undefined;
  readonly idleTimeoutMs: number | undefined;
  readonly lifetimeMs: number | undefined;
}

export interface ProxyEnv {
  readonly adminListen: HostPort;
  readonly controlListen: HostPort;
  readonly inboundListen: HostPort;
  /** One or two addresses (IPv4 and IPv6). */
  readonly outboundListen: readonly HostPort[];
  /** The pod's IPs; empty means any target address is accepted inbound. */
  readonly inboundIps: readonly string[];
  readonly inboundPorts: readonly number[];
  readonly inboundOpaquePorts: ReadonlySet<number>;
  readonly requireIdentityPorts: ReadonlySet<number>;
  readonly requireTlsPorts: ReadonlySet<number>;
  readonly defaultInboundPolicy: DefaultPolicyName;
  readonly destination: DestinationEnv;
  readonly policy: PolicyEnv;
  readonly identity: IdentityEnv | undefined;
  /** LINKERD2_PROXY_TAP_SVC_NAME: the one client identity the tap API on `controlListen` serves; undefined: tap disabled. */
  readonly tapSvcName: string | undefined;
  readonly inboundConnectTimeoutMs: number;
  readonly outboundConnectTimeoutMs: number;
  readonly inboundDetectTimeoutMs: number;
  readonly outboundDetectTimeoutMs: number;
  /** How long a request may wait for a ready endpoint before failing (Linkerd's dispatch timeouts). */
  readonly inboundHttpFailfastTimeoutMs: number;
  readonly outboundHttpFailfastTimeoutMs: number;
  readonly outboundTcpFailfastTimeoutMs: number;
  readonly controlStream: ControlStreamLimits;
  readonly inboundDiscoveryIdleTimeoutMs: number;
  readonly outboundDiscoveryIdleTimeoutMs: number;
  readonly inboundAcceptKeepaliveMs: number | undefined;
  readonly outboundAcceptKeepaliveMs: number | undefined;
  readonly inboundConnectKeepaliveMs: number | undefined;
  readonly outboundConnectKeepaliveMs: number | undefined;
  readonly inboundAcceptUserTimeoutMs: number | undefined;
  readonly outboundAcceptUserTimeoutMs: number | undefined;
  readonly inboundConnectUserTimeoutMs: number | undefined;
  readonly outboundConnectUserTimeoutMs: number | undefined;
  /** Set only when both `_INTERVAL` and `_TIMEOUT` are, as Linkerd reads them. */
  readonly inboundHttp2KeepAlive: Http2KeepAlive | undefined;
  readonly outboundHttp2KeepAlive: Http2KeepAlive | undefined;
  readonly shutdownGracePeriodMs: number;
  readonly shutdownEndpointEnabled: boolean;
  /** The log filter as written (see log-level.ts), already checked. */
  readonly log: string;
  readonly logFormat: 'plain' | 'json';
  /** Worker cores; undefined means as many as the machine has. */
  readonly cores: number | undefined;
  readonly staticTargets: readonly StaticTarget[];
  readonly inboundForwardHost: string;
  readonly httpHeaderTimeoutMs: number;
  readonly outboundBindHost: string | undefined;
}

export class ProxyEnvError extends Error {
  override readonly name = 'ProxyEnvError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid proxy environment:\n  ${problems.join('\n  ')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;
const P = 'LINKERD2_PROXY_';

function isLoopbackHost(addr: HostPort): boolean {
  return addr.host === 'localhost' || addr.host === 'localhost.' || isLoopback(addr.host);
}

/** `<base>_ADDR` and `<base>_NAME`: both, or the address alone when it is on localhost. */
function controlService(r: EnvReader, base: string): { addr: HostPort | undefined; name: string | undefined } {
  const addr = r.read(`${base}_ADDR`, (t) => hostPort(t, 1, true));
  const svcName = r.read(`${base}_NAME`, name);
  if (addr === undefined && r.raw(`${base}_NAME`) !== undefined && r.raw(`${base}_ADDR`) === undefined) {
    r.problem(`${base}_ADDR`, `must be set with ${base}_NAME`);
  }
  if (addr !== undefined && svcName === undefined && !isLoopbackHost(addr) && r.raw(`${base}_NAME`) === undefined) {
    r.problem(`${base}_NAME`, `must be set when ${base}_ADDR is not on localhost`);
  }
  return { addr, name: addr !== undefined && isLoopbackHost(addr) ? undefined : svcName };
}

function identityEnv(r: EnvReader): IdentityEnv | undefined {
  const disabled = r.raw(`${P}IDENTITY_DISABLED`);
  if (disabled !== undefined && disabled !== '' && disabled !== 'false') return undefined;
  const required = <T>(variable: string, parse: (text: string) => T): T | undefined => {
    if (r.raw(variable) === undefined) r.problem(variable, `must be set (or set ${P}IDENTITY_DISABLED)`);
    return r.read(variable, parse);
  };
  const nonEmpty = (text: string) => { if (text.trim() === '') throw new BadValue('is empty'); return text; };
  const dir = required(`${P}IDENTITY_DIR`, nonEmpty);
  const tokenFile = required(`${P}IDENTITY_TOKEN_FILE`, nonEmpty);
  const trustAnchorsPem = required(`${P}IDENTITY_TRUST_ANCHORS`, nonEmpty);
  const localName = required(`${P}IDENTITY_LOCAL_NAME`, name);
  if (r.raw(`${P}IDENTITY_SVC_ADDR`) === undefined && r.raw(`${P}IDENTITY_SVC_NAME`) === undefined) {
    r.problem(`${P}IDENTITY_SVC_ADDR`, `must be set (or set ${P}IDENTITY_DISABLED)`);
  }
  const svc = controlService(r, `${P}IDENTITY_SVC`);
  const minRefreshMs = r.read(`${P}IDENTITY_MIN_REFRESH`, duration, 10_000);
  const maxRefreshMs = r.read(`${P}IDENTITY_MAX_REFRESH`, duration, 86_400_000);
  if (dir === undefined || tokenFile === undefined || trustAnchorsPem === undefined || localName === undefined || svc.addr === undefined) return undefined;
  return { dir, tokenFile, trustAnchorsPem, localName, addr: svc.addr, name: svc.name, minRefreshMs, maxRefreshMs };
}

function controlStream(r: EnvReader): ControlStreamLimits {
  const optional = (text: string) => (text.trim() === '' ? undefined : duration(text));
  const v = (suffix: string) => `${P}CONTROL_STREAM_${suffix}`;
  const limits = {
    initialTimeoutMs: r.read(v('INITIAL_TIMEOUT'), optional),
    idleTimeoutMs: r.read(v('IDLE_TIMEOUT'), optional),
    lifetimeMs: r.read(v('LIFETIME'), optional),
  };
  const order: readonly [number | undefined, string, number | undefined, string][] = [
    [limits.initialTimeoutMs, v('INITIAL_TIMEOUT'), limits.idleTimeoutMs, v('IDLE_TIMEOUT')],
    [limits.initialTimeoutMs, v('INITIAL_TIMEOUT'), limits.lifetimeMs, v('LIFETIME')],
    [limits.idleTimeoutMs, v('IDLE_TIMEOUT'), limits.lifetimeMs, v('LIFETIME')],
  ];
  for (const [low, lowName, high, highName] of order) {
    if (low !== undefined && high !== undefined && low > high) r.problem(lowName, `must not be longer than ${highName}`);
  }
  return limits;
}

function http2KeepAlive(r: EnvReader, direction: 'INBOUND' | 'OUTBOUND'): Http2KeepAlive | undefined {
  const base = `${P}${direction}_SERVER_HTTP2_KEEP_ALIVE`;
  const intervalMs = r.read(`${base}_INTERVAL`, duration);
  const timeoutMs = r.read(`${base}_TIMEOUT`, duration);
  return intervalMs === undefined || timeoutMs === undefined ? undefined : { intervalMs, timeoutMs };
}

function listeners(r: EnvReader): Pick<ProxyEnv, 'adminListen' | 'controlListen' | 'inboundListen' | 'outboundListen'> {
  const listen = (variable: string, fallback: HostPort) => r.read(`${P}${variable}`, (t) => hostPort(t, 0), fallback);
  const outbound = listen('OUTBOUND_LISTEN_ADDR', { host: '127.0.0.1', port: 4140 });
  const outboundAll = r.read(`${P}OUTBOUND_LISTEN_ADDRS`, (text) => {
    const addrs = text.split(',').map((part) => hostPort(part.trim(), 0));
    if (addrs.length > 2) throw new BadValue('lists more than two addresses');
    return addrs;
  });
  return {
    adminListen: listen('ADMIN_LISTEN_ADDR', { host: '127.0.0.1', port: 4191 }),
    controlListen: listen('CONTROL_LISTEN_ADDR', { host: '0.0.0.0', port: 4190 }),
    inboundListen: listen('INBOUND_LISTEN_ADDR', { host: '0.0.0.0', port: 4143 }),
    outboundListen: outboundAll ?? [outbound],
  };
}

function inboundPolicy(r: EnvReader, clusterNetworks: readonly string[]): DefaultPolicyName {
  const variable = `${P}INBOUND_DEFAULT_POLICY`;
  const policy = r.read(variable, (text) => {
    if (!isDefaultPolicyName(text)) throw new BadValue(`is not a default policy (${defaultPolicyNames.join(', ')})`);
    return text;
  }, 'all-unauthenticated');
  if (policy.startsWith('cluster-') && clusterNetworks.length === 0) {
    r.problem(variable, `"${policy}" needs ${P}POLICY_CLUSTER_NETWORKS`);
  }
  return policy;
}

function timeouts(r: EnvReader) {
  const d = (variable: string, fallback: number) => r.read(`${P}${variable}`, duration, fallback);
  const optional = (variable: string) => r.read(`${P}${variable}`, duration);
  return {
    inboundConnectTimeoutMs: d('INBOUND_CONNECT_TIMEOUT', 300),
    outboundConnectTimeoutMs: d('OUTBOUND_CONNECT_TIMEOUT', 1000),
    inboundDetectTimeoutMs: d('INBOUND_DETECT_TIMEOUT', 10_000),
    outboundDetectTimeoutMs: d('OUTBOUND_DETECT_TIMEOUT', 10_000),
    inboundHttpFailfastTimeoutMs: d('INBOUND_HTTP_FAILFAST_TIMEOUT', 1000),
    outboundHttpFailfastTimeoutMs: d('OUTBOUND_HTTP_FAILFAST_TIMEOUT', 3000),
    outboundTcpFailfastTimeoutMs: d('OUTBOUND_TCP_FAILFAST_TIMEOUT', 3000),
    controlStream: controlStream(r),
    inboundDiscoveryIdleTimeoutMs: d('INBOUND_DISCOVERY_IDLE_TIMEOUT', 90_000),
    outboundDiscoveryIdleTimeoutMs: d('OUTBOUND_DISCOVERY_IDLE_TIMEOUT', 5000),
    inboundAcceptKeepaliveMs: optional('INBOUND_ACCEPT_KEEPALIVE'),
    outboundAcceptKeepaliveMs: optional('OUTBOUND_ACCEPT_KEEPALIVE'),
    inboundConnectKeepaliveMs: optional('INBOUND_CONNECT_KEEPALIVE'),
    outboundConnectKeepaliveMs: optional('OUTBOUND_CONNECT_KEEPALIVE'),
    inboundAcceptUserTimeoutMs: optional('INBOUND_ACCEPT_USER_TIMEOUT'),
    outboundAcceptUserTimeoutMs: optional('OUTBOUND_ACCEPT_USER_TIMEOUT'),
    inboundConnectUserTimeoutMs: optional('INBOUND_CONNECT_USER_TIMEOUT'),
    outboundConnectUserTimeoutMs: optional('OUTBOUND_CONNECT_USER_TIMEOUT'),
    inboundHttp2KeepAlive: http2KeepAlive(r, 'INBOUND'),
    outboundHttp2KeepAlive: http2KeepAlive(r, 'OUTBOUND'),
    shutdownGracePeriodMs: d('SHUTDOWN_GRACE_PERIOD', 120_000),
  };
}

function discovery(r: EnvReader): Pick<ProxyEnv, 'destination' | 'policy' | 'defaultInboundPolicy'> {
  const dst = controlService(r, `${P}DESTINATION_SVC`);
  const pol = controlService(r, `${P}POLICY_SVC`);
  const clusterNetworks = r.read(`${P}POLICY_CLUSTER_NETWORKS`, networks, []);
  const policyWorkload = r.read(`${P}POLICY_WORKLOAD`, workload);
  if (pol.addr !== undefined && r.raw(`${P}POLICY_WORKLOAD`) === undefined) {
    r.problem(`${P}POLICY_WORKLOAD`, `must be set with ${P}POLICY_SVC_ADDR`);
  }
  return {
    destination: {
      ...dst,
      context: r.raw(`${P}DESTINATION_CONTEXT`) ?? '',
      profileSuffixes: r.read(`${P}DESTINATION_PROFILE_SUFFIXES`, suffixes, ['svc.cluster.local.']),
      profileNetworks: r.read(`${P}DESTINATION_PROFILE_NETWORKS`, networks, []),
    },
    policy: { ...pol, workload: policyWorkload, clusterNetworks },
    defaultInboundPolicy: inboundPolicy(r, clusterNetworks),
  };
}

function runtime(r: EnvReader): Pick<ProxyEnv, 'log' | 'logFormat' | 'cores' | 'shutdownEndpointEnabled'> {
  return {
    log: r.read(`${P}LOG`, (text) => {
      try { parseLogFilter(text); } catch (error) { throw new BadValue(`is not a log filter: ${(error as Error).message}`); }
      return text;
    }, 'warn,linkerd=info'),
    logFormat: r.read(`${P}LOG_FORMAT`, (text) => {
      const format = text.trim().toLowerCase();
      if (format !== 'plain' && format !== 'json') throw new BadValue('is not plain or json');
      return format;
    }, 'plain'),
    cores: r.read(`${P}CORES`, (text) => {
      if (!/^\s*[1-9]\d{0,3}\s*$/.test(text)) throw new BadValue('is not a whole number of cores (1 or more)');
      return Number(text);
    }),
    shutdownEndpointEnabled: r.read(`${P}SHUTDOWN_ENDPOINT_ENABLED`, bool, false),
  };
}

/** Tap is served only over mutual TLS, so it needs identity; an empty value means unset. */
function tapSvcName(r: EnvReader): string | undefined {
  const variable = `${P}TAP_SVC_NAME`;
  if (r.raw(variable) === undefined || r.raw(variable) === '') return undefined;
  const disabled = r.raw(`${P}IDENTITY_DISABLED`);
  if (disabled !== undefined && disabled !== '' && disabled !== 'false') r.problem(variable, `needs identity, but ${P}IDENTITY_DISABLED is set`);
  return r.read(variable, name);
}

/** The proxy's configuration in `env`; a ProxyEnvError listing every problem when it has any. */
export function parseProxyEnv(env: Env): ProxyEnv {
  const r = new EnvReader(env);
  const config: ProxyEnv = {
    ...listeners(r),
    inboundIps: r.read(`${P}INBOUND_IPS`, ipList, []),
    inboundPorts: [...r.read(`${P}INBOUND_PORTS`, portSet, new Set<number>())].sort((a, b) => a - b),
    inboundOpaquePorts: r.read(`${P}INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION`, portSet, new Set<number>()),
    requireIdentityPorts: r.read(`${P}INBOUND_PORTS_REQUIRE_IDENTITY`, portSet, new Set<number>()),
    requireTlsPorts: r.read(`${P}INBOUND_PORTS_REQUIRE_TLS`, portSet, new Set<number>()),
    ...discovery(r),
    identity: identityEnv(r),
    tapSvcName: tapSvcName(r),
    ...timeouts(r),
    ...runtime(r),
    staticTargets: r.read('SINEW_PROXY_ORIGINAL_DST_MAP', staticTargets, []),
    inboundForwardHost: r.read('SINEW_PROXY_INBOUND_FORWARD_HOST', (text) => {
      if (isIP(text) === 0 && !dnsName.test(text)) throw new BadValue('is not an IP address or a host name');
      return text;
    }, '127.0.0.1'),
    httpHeaderTimeoutMs: r.read('SINEW_PROXY_HTTP_HEADER_TIMEOUT', duration, 10_000),
    outboundBindHost: r.read<string | undefined>('SINEW_PROXY_OUTBOUND_BIND_HOST', (text) => {
      if (isIP(text) === 0) throw new BadValue('is not an IP address');
      return text;
    }, undefined),
  };
  if (r.problems.length > 0) throw new ProxyEnvError(r.problems);
  return config;
}
