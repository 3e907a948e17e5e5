/**
 * The readers of single values in the proxy's environment, for proxy-env.ts: addresses, ports and
 * port ranges, IP lists, networks, DNS names and suffixes, durations, booleans, the policy workload
 * and Sinew's static target map. Each throws a BadValue saying what is wrong with the text; an
 * EnvReader turns that into one problem line naming the variable and keeps reading.
 *
 * Pure.
 */
import { isIP } from 'node:net';
import { parseNetwork } from '../informers/ip-network.js';
import { durationHint, parseProxyDuration } from './duration-value.js';
import type { HostPort } from './host-port.js';
import type { PolicyWorkload, ProxyDirection, StaticTarget } from './proxy-env.js';

/** What is wrong with a value, said after the value itself. */
export class BadValue extends Error {}

type Env = Readonly<Record<string, string | undefined>>;

export function port(text: string, min: number): number {
  const trimmed = text.trim();
  if (!/^\d{1,5}$/.test(trimmed) || Number(trimmed) > 65535 || Number(trimmed) < min) {
    throw new BadValue(`has "${text}", which is not a port (${min}-65535)`);
  }
  return Number(trimmed);
}

export const dnsName = /^(?=.{1,254}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

export function name(text: string): string {
  if (!dnsName.test(text)) throw new BadValue('is not a DNS name');
  return text;
}

/** `IP:PORT` or `[IPv6]:PORT`; with `names`, `dns.name:PORT` too. */
export function hostPort(text: string, minPort: number, names = false): HostPort {
  const match = /^\[([^\]]+)\]:([^:]*)$/.exec(text) ?? /^([^:[\]]+):([^:]*)$/.exec(text);
  const host = match?.[1];
  const bracketed = text.startsWith('[');
  const hostOk = host !== undefined && (bracketed ? isIP(host) === 6 : isIP(host) === 4 || (names && dnsName.test(host)));
  if (match === null || !hostOk) {
    throw new BadValue(names ? 'is not an address HOST:PORT (e.g. 10.0.0.1:8086, [fd00::1]:8086, name.ns.svc.:8086)'
      : 'is not an address IP:PORT (e.g. 0.0.0.0:4143, [::]:4143)');
  }
  return { host, port: port(match[2] as string, minPort) };
}

export function items(text: string): string[] {
  return text.split(',').map((part) => part.trim()).filter((part) => part !== '');
}

export function portSet(text: string): Set<number> {
  const ports = new Set<number>();
  for (const item of items(text)) {
    const match = /^(\d{1,5})\s*(?:-\s*(\d{1,5}))?$/.exec(item);
    const from = Number(match?.[1]);
    const to = match?.[2] === undefined ? from : Number(match[2]);
    if (match === null || from > 65535 || to > 65535) throw new BadValue(`has "${item}", which is not a port (0-65535) or a range a-b`);
    if (to < from) throw new BadValue(`has "${item}", a range that ends before it starts`);
    for (let p = from; p <= to; p += 1) ports.add(p);
  }
  return ports;
}

export function ipList(text: string): string[] {
  const ips = items(text);
  const bad = ips.find((ip) => isIP(ip) === 0);
  if (bad !== undefined) throw new BadValue(`has "${bad}", which is not an IP address`);
  return ips;
}

export function networks(text: string): string[] {
  const nets = items(text);
  const bad = nets.find((net) => parseNetwork(net) === undefined);
  if (bad !== undefined) throw new BadValue(`has "${bad}", which is not a network (e.g. 10.0.0.0/8)`);
  return nets;
}

export function suffixes(text: string): string[] {
  const list = items(text).map((s) => s.toLowerCase());
  const bad = list.find((s) => s !== '.' && !dnsName.test(s));
  if (bad !== undefined) throw new BadValue(`has "${bad}", which is not a DNS suffix (e.g. svc.cluster.local. or .)`);
  return list;
}

export function duration(text: string): number {
  const ms = parseProxyDuration(text);
  if (ms === undefined) throw new BadValue(durationHint);
  return ms;
}

export function bool(text: string): boolean {
  if (text === 'true' || text === 'false') return text === 'true';
  throw new BadValue('is not true or false');
}

export function workload(text: string): PolicyWorkload {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try { parsed = JSON.parse(trimmed); } catch { throw new BadValue('is not JSON {"ns":…,"pod":…}'); }
    const { ns, pod } = (parsed ?? {}) as { ns?: unknown; pod?: unknown };
    if (typeof ns === 'string' && ns !== '' && typeof pod === 'string' && pod !== '') return { ns, pod };
    throw new BadValue('needs string fields "ns" and "pod"');
  }
  const [ns, pod, extra] = trimmed.split(':');
  if (ns && pod && extra === undefined) return { ns, pod };
  throw new BadValue('is neither JSON {"ns":…,"pod":…} nor ns:pod');
}

export function staticTargets(text: string): StaticTarget[] {
  return items(text).map((item) => {
    const match = /^(inbound|outbound):([^=]+)=(.+)$/.exec(item);
    if (match === null) throw new BadValue(`has "${item}", which is not inbound|outbound:LISTEN_IP:PORT=TARGET_IP:PORT`);
    return { direction: match[1] as ProxyDirection, listen: hostPort(match[2] as string, 0), target: hostPort(match[3] as string, 1) };
  });
}

/** Reads variables, collecting each problem instead of stopping at the first. */
export class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  raw(variable: string): string | undefined {
    return this.env[variable];
  }

  read<T>(variable: string, parse: (text: string) => T): T | undefined;
  read<T>(variable: string, parse: (text: string) => T, fallback: T): T;
  read<T>(variable: string, parse: (text: string) => T, fallback?: T): T | undefined {
    const text = this.env[variable];
    if (text === undefined) return fallback;
    try {
      return parse(text);
    } catch (error) {
      if (!(error instanceof BadValue)) throw error;
      this.problem(variable, `${JSON.stringify(text.length > 80 ? text.slice(0, 80) + '…' : text)} ${error.message}`);
      return fallback;
    }
  }

  problem(variable: string, message: string): void {
    this.problems.push(`${variable}: ${message}`);
  }
}

