/**
 * IP addresses between text and the proxy API's `net.IPAddress` (IPv4 as a big-endian 32-bit
 * integer; IPv6 as two big-endian 64-bit halves, carried as decimal strings by the loader).
 */
import net from 'node:net';
import type { IPAddress, IPAddress__Output } from '../../gen/proto/io/linkerd/proxy/net/IPAddress.js';

export function toIpAddress(text: string): IPAddress | undefined {
  if (net.isIPv4(text)) {
    const [a = 0, b = 0, c = 0, d = 0] = text.split('.').map(Number);
    return { ipv4: ((a << 24) >>> 0) + (b << 16) + (c << 8) + d };
  }
  if (net.isIPv6(text)) {
    const hextets = expandIpv6(text);
    const half = (from: number): string => hextets.slice(from, from + 4).reduce((sum, part) => (sum << 16n) + BigInt(part), 0n).toString();
    return { ipv6: { first: half(0), last: half(4) } };
  }
  return undefined;
}

/** Text of an address as decoded from the wire, or as built by `toIpAddress`. */
export function fromIpAddress(address: IPAddress | IPAddress__Output | null | undefined): string | undefined {
  if (address?.ipv4 !== undefined && (address.ip === undefined || address.ip === 'ipv4')) {
    const value = address.ipv4 >>> 0;
    return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
  }
  if (address?.ipv6 !== undefined && address.ipv6 !== null) {
    const parts: string[] = [];
    for (const half of [BigInt(String(address.ipv6.first ?? 0)), BigInt(String(address.ipv6.last ?? 0))]) {
      for (let shift = 48n; shift >= 0n; shift -= 16n) parts.push(((half >> shift) & 0xffffn).toString(16));
    }
    // The URL parser writes IPv6 in its canonical short form (RFC 5952), as Node prints addresses.
    return new URL(`http://[${parts.join(':')}]/`).hostname.slice(1, -1);
  }
  return undefined;
}

function expandIpv6(text: string): number[] {
  const withoutZone = text.split('%')[0] ?? text;
  const [head = '', tail] = withoutZone.split('::');
  const parse = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((group) => {
      if (!group.includes('.')) return [parseInt(group, 16)];
      const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
      return [(a << 8) + b, (c << 8) + d];
    });
  };
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}
