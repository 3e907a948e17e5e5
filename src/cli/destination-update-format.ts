/**
 * How Destination Updates are printed (`sinew replay --watch`): one line per update,
 * `<when> <authority> add <ip:port> pod=… identity=… hint=…`, `… remove <ip:port> …`,
 * `… no_endpoints exists=true|false`; or, with json, the Update itself with `at` and `authority`.
 */
import type { Update } from '../gen/proto/io/linkerd/proxy/destination/Update.js';
import type { WeightedAddr } from '../gen/proto/io/linkerd/proxy/destination/WeightedAddr.js';
import { fromIpAddress } from '../streams/destination/ip-address.js';

export function formatDestinationUpdate(when: string, authority: string, update: Update, format: 'text' | 'json'): string {
  if (format === 'json') return JSON.stringify({ at: when, authority, ...update }) + '\n';
  const prefix = `${when} ${authority}`;
  if (update.add) return (update.add.addrs ?? []).map((addr) => `${prefix} add ${describeAddr(addr)}\n`).join('');
  if (update.remove) {
    return (update.remove.addrs ?? []).map((addr) => `${prefix} remove ${fromIpAddress(addr.ip) ?? '?'}:${addr.port ?? 0}\n`).join('');
  }
  return `${prefix} no_endpoints exists=${String(update.no_endpoints?.exists ?? false)}\n`;
}

function describeAddr(addr: WeightedAddr): string {
  const parts = [`${fromIpAddress(addr.addr?.ip) ?? '?'}:${addr.addr?.port ?? 0}`];
  const pod = addr.metric_labels?.pod;
  if (pod !== undefined) parts.push(`pod=${pod}`);
  const identity = addr.tls_identity?.dns_like_identity?.name;
  if (identity !== undefined) parts.push(`identity=${identity}`);
  const hint = addr.protocol_hint?.h2 ? 'h2' : addr.protocol_hint?.opaque ? 'opaque' : undefined;
  if (hint !== undefined) parts.push(`hint=${hint}`);
  return parts.join(' ');
}
