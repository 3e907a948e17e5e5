/**
 * `config.linkerd.io/*` annotations applied to a proxy configuration, with Linkerd's precedence:
 * the namespace's annotations, then the workload's, then the pod (template)'s; explicit overrides
 * (the CLI's proxy flags) last, so they win.
 *
 * Contract: pure. A value that cannot be read is ignored with a warning naming the annotation and
 * the value (as Linkerd's injector logs and ignores it); `strictConfigAnnotations` turns the same
 * problems into an error, for input a user typed (CLI flags).
 */
import { parseDuration } from '../reconcilers/go-duration.js';
import { configAnnotations as keys } from './names.js';
import { inboundPolicies, pullPolicies, type InboundPolicy, type ProxyConfig, type PullPolicy } from './proxy-config.js';

type Annotations = Readonly<Record<string, string>>;

/** One level's annotations, lowest precedence first. */
export function mergeConfigAnnotations(levels: readonly (Annotations | undefined)[]): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const level of levels) {
    for (const [key, value] of Object.entries(level ?? {})) {
      if (isConfigAnnotation(key)) merged[key] = value;
    }
  }
  return merged;
}

export function isConfigAnnotation(key: string): boolean {
  return key.startsWith('config.linkerd.io/') || key.startsWith('config.alpha.linkerd.io/') || key.startsWith('config.beta.linkerd.io/');
}

type Setter = (config: Mutable<ProxyConfig>, value: string) => string | undefined;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const portPattern = /^\d{1,5}$/;
const portListPattern = /^\s*(\d{1,5}(-\d{1,5})?)(\s*,\s*\d{1,5}(-\d{1,5})?)*\s*$/;
const quantityPattern = /^(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const cidrPattern = /^[0-9a-fA-F:.]+\/\d{1,3}$/;

function port(set: (config: Mutable<ProxyConfig>, port: number) => void): Setter {
  return (config, value) => {
    const n = Number(value);
    if (!portPattern.test(value) || n < 1 || n > 65535) return 'a port number (1-65535)';
    set(config, n);
    return undefined;
  };
}

function portList(set: (config: Mutable<ProxyConfig>, list: string) => void): Setter {
  return (config, value) => {
    if (value.trim() !== '' && !portListPattern.test(value)) return 'a comma list of ports and port ranges';
    set(config, value.split(',').map((part) => part.trim()).filter((part) => part !== '').join(','));
    return undefined;
  };
}

function quantity(set: (config: Mutable<ProxyConfig>, value: string) => void): Setter {
  return (config, value) => {
    if (!quantityPattern.test(value)) return 'a Kubernetes quantity such as 100m or 64Mi';
    set(config, value);
    return undefined;
  };
}

function duration(set: (config: Mutable<ProxyConfig>, value: string) => void): Setter {
  return (config, value) => {
    const ms = parseDuration(value);
    if (ms === undefined) return 'a duration such as 100ms or 1s';
    set(config, `${Math.round(ms)}ms`);
    return undefined;
  };
}

function boolean(set: (config: Mutable<ProxyConfig>, value: boolean) => void): Setter {
  return (config, value) => {
    if (value !== 'true' && value !== 'false') return 'true or false';
    set(config, value === 'true');
    return undefined;
  };
}

function text(set: (config: Mutable<ProxyConfig>, value: string) => void): Setter {
  return (config, value) => {
    if (value.trim() === '') return 'a non-empty value';
    set(config, value.trim());
    return undefined;
  };
}

/** Readers in the order they apply; the alpha native-sidecar key comes before the beta one, so beta wins. */
const setters: ReadonlyArray<readonly [string, Setter]> = [
  [keys.proxyImage, text((c, v) => { c.image = v; })],
  [keys.proxyVersion, text((c, v) => { c.version = v; })],
  [keys.imagePullPolicy, (c, v) => {
    if (!(pullPolicies as readonly string[]).includes(v)) return pullPolicies.join(', ');
    c.pullPolicy = v as PullPolicy;
    return undefined;
  }],
  [keys.logLevel, text((c, v) => { c.logLevel = v; })],
  [keys.logFormat, (c, v) => {
    if (v !== 'plain' && v !== 'json') return 'plain or json';
    c.logFormat = v;
    return undefined;
  }],
  [keys.inboundPort, port((c, n) => { c.ports = { ...c.ports, inbound: n }; })],
  [keys.outboundPort, port((c, n) => { c.ports = { ...c.ports, outbound: n }; })],
  [keys.adminPort, port((c, n) => { c.ports = { ...c.ports, admin: n }; })],
  [keys.controlPort, port((c, n) => { c.ports = { ...c.ports, control: n }; })],
  [keys.proxyUid, (c, v) => {
    if (!/^\d+$/.test(v)) return 'a user id';
    c.uid = Number(v);
    return undefined;
  }],
  [keys.proxyGid, (c, v) => {
    if (!/^-?\d+$/.test(v)) return 'a group id';
    c.gid = Number(v);
    return undefined;
  }],
  [keys.skipInboundPorts, portList((c, v) => { c.skipInboundPorts = v; })],
  [keys.skipOutboundPorts, portList((c, v) => { c.skipOutboundPorts = v; })],
  [keys.skipSubnets, (c, v) => {
    const subnets = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (subnets.some((s) => !cidrPattern.test(s))) return 'a comma list of CIDRs';
    c.skipSubnets = subnets.join(',');
    return undefined;
  }],
  [keys.opaquePorts, (c, v) => {
    // Port names are resolved against the pod's containers when the sidecar is built.
    if (!/^[\w\s,-]*$/.test(v)) return 'a comma list of ports, port ranges and port names';
    c.opaquePorts = v.split(',').map((s) => s.trim()).filter((s) => s !== '').join(',');
    return undefined;
  }],
  [keys.requireIdentityInboundPorts, portList((c, v) => { c.requireIdentityInboundPorts = v; })],
  [keys.defaultInboundPolicy, (c, v) => {
    if (!(inboundPolicies as readonly string[]).includes(v)) return inboundPolicies.join(', ');
    c.defaultInboundPolicy = v as InboundPolicy;
    return undefined;
  }],
  [keys.cpuRequest, quantity((c, v) => { c.resources = { ...c.resources, cpuRequest: v }; })],
  [keys.cpuLimit, quantity((c, v) => { c.resources = { ...c.resources, cpuLimit: v }; })],
  [keys.memoryRequest, quantity((c, v) => { c.resources = { ...c.resources, memoryRequest: v }; })],
  [keys.memoryLimit, quantity((c, v) => { c.resources = { ...c.resources, memoryLimit: v }; })],
  [keys.await, (c, v) => {
    if (v !== 'enabled' && v !== 'disabled') return 'enabled or disabled';
    c.await = v === 'enabled';
    return undefined;
  }],
  [keys.inboundConnectTimeout, duration((c, v) => { c.inboundConnectTimeout = v; })],
  [keys.outboundConnectTimeout, duration((c, v) => { c.outboundConnectTimeout = v; })],
  [keys.enableExternalProfiles, boolean((c, v) => { c.enableExternalProfiles = v; })],
  [keys.shutdownGracePeriod, duration((c, v) => { c.shutdownGracePeriod = v; })],
  [keys.waitBeforeExitSeconds, (c, v) => {
    if (!/^\d+$/.test(v)) return 'a whole number of seconds';
    c.waitBeforeExitSeconds = Number(v);
    return undefined;
  }],
  [keys.nativeSidecarAlpha, boolean((c, v) => { c.nativeSidecar = v; })],
  [keys.nativeSidecar, boolean((c, v) => { c.nativeSidecar = v; })],
];

export interface AppliedConfig {
  readonly proxy: ProxyConfig;
  /** One sentence per annotation that was ignored. */
  readonly warnings: readonly string[];
}

/** The configuration `base` becomes under `annotations` (already merged by precedence). */
export function applyConfigAnnotations(base: ProxyConfig, annotations: Annotations): AppliedConfig {
  const config: Mutable<ProxyConfig> = { ...base };
  const warnings: string[] = [];
  for (const [key, set] of setters) {
    const value = annotations[key];
    if (value === undefined) continue;
    const expected = set(config, value);
    if (expected !== undefined) warnings.push(`ignored annotation ${key}: ${JSON.stringify(value)} is not ${expected}`);
  }
  return { proxy: config, warnings };
}

/** Like `applyConfigAnnotations`, but the first unreadable value throws (for values a user typed). */
export function strictConfigAnnotations(base: ProxyConfig, annotations: Annotations): ProxyConfig {
  const { proxy, warnings } = applyConfigAnnotations(base, annotations);
  if (warnings.length > 0) throw new Error((warnings[0] as string).replace(/^ignored annotation /, ''));
  return proxy;
}

/** The annotation keys this module reads, for documentation and tests. */
export const readConfigAnnotations: readonly string[] = setters.map(([key]) => key);
