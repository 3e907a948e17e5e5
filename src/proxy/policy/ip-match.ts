/**
 * IP addresses and networks as 32-bit words, for membership checks on every connection and
 * request (Node's BlockList costs microseconds per check; this costs tens of nanoseconds).
 * IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) are read as IPv4. Pure.
 */
import { isIP } from 'node:net';

export interface IpBits {
  readonly family: 4 | 6;
  /** One word for IPv4, four for IPv6, most significant first. */
  readonly words: readonly number[];
}

export interface IpNetworkBits extends IpBits {
  readonly masks: readonly number[];
}

export function parseIp(text: string): IpBits | undefined {
  const word = dottedQuad(text);
  if (word !== undefined) return { family: 4, words: [word] };
  const version = isIP(text);
  if (version === 4) return { family: 4, words: [ipv4Word(text)] };
  if (version !== 6) return undefined;
  const words = ipv6Words(text);
  if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff) return { family: 4, words: [words[3] as number] };
  return { family: 6, words };
}

/** A strict `a.b.c.d` (no leading zeros, each at most 255) as a word, without allocating. */
function dottedQuad(text: string): number | undefined {
  let word = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i <= text.length; i++) {
    const code = i === text.length ? 46 : text.charCodeAt(i);
    if (code === 46) {
      if (digits === 0 || part > 255) return undefined;
      word = word * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (code >= 48 && code <= 57) {
      if (digits > 0 && part === 0) return undefined;
      part = part * 10 + code - 48;
      digits++;
    } else {
      return undefined;
    }
  }
  return dots === 4 ? word : undefined;
}

function ipv4Word(text: string): number {
  const [a = 0, b = 0, c = 0, d = 0] = text.split('.').map(Number);
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function ipv6Words(text: string): number[] {
  const bare = text.split('%')[0] ?? text;
  const [head = '', tail] = bare.split('::');
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').flatMap((group) => {
    if (!group.includes('.')) return [parseInt(group, 16)];
    const word = ipv4Word(group);
    return [word >>> 16, word & 0xffff];
  }));
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const hextets = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  return [0, 2, 4, 6].map((i) => (((hextets[i] ?? 0) << 16) | (hextets[i + 1] ?? 0)) >>> 0);
}

/** The network `address/prefix`; undefined when the address is none or the prefix too long. */
export function ipNetwork(address: string, prefix: number): IpNetworkBits | undefined {
  const bits = parseIp(address);
  if (bits === undefined || !Number.isInteger(prefix) || prefix < 0) return undefined;
  // A network written as an IPv4-mapped address is an IPv4 network of the same trailing bits.
  const width = isIP(address) === 6 && bits.family === 4 ? 128 : bits.family === 4 ? 32 : 128;
  if (prefix > width) return undefined;
  const own = bits.family === 4 && width === 128 ? Math.max(prefix - 96, 0) : prefix;
  const masks = bits.words.map((_, i) => {
    const left = Math.min(Math.max(own - i * 32, 0), 32);
    return left === 0 ? 0 : (0xffffffff << (32 - left)) >>> 0;
  });
  return { family: bits.family, words: bits.words.map((word, i) => (word & (masks[i] as number)) >>> 0), masks };
}

export function networkHas(network: IpNetworkBits, address: IpBits): boolean {
  if (network.family !== address.family) return false;
  for (let i = 0; i < network.words.length; i++) {
    if (((address.words[i] as number) & (network.masks[i] as number)) >>> 0 !== network.words[i]) return false;
  }
  return true;
}
