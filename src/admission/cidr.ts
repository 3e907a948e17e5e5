/**
 * IP networks as policy objects write them (`10.0.0.0/8`, `fd00::/8`, or one address), and whether
 * one holds another: what Linkerd's validator checks of a network's `except` list.
 *
 * Pure.
 */
import { BlockList, isIP } from 'node:net';

export interface IpNetwork {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** The network `text` names (a bare address is a /32 or /128), or undefined if it names none. */
export function parseNetwork(text: string): IpNetwork | undefined {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const bits = version === 4 ? 32 : 128;
  if (slash === -1) return { address, prefix: bits, family };
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) return undefined;
  return { address, prefix: Number(prefixText), family };
}

/** True when every address of `inner` is in `outer`. */
export function networkContains(outer: IpNetwork, inner: IpNetwork): boolean {
  if (outer.family !== inner.family || inner.prefix < outer.prefix) return false;
  const list = new BlockList();
  list.addSubnet(outer.address, outer.prefix, outer.family);
  return list.check(inner.address, inner.family);
}

/**
 * Why `except` is no exception to `cidr`, or undefined if it is one: it must lie inside the
 * network and leave some of it. Text that names no network is left to the schema.
 */
export function exceptionProblem(cidr: string, except: string): string | undefined {
  const network = parseNetwork(cidr);
  const exception = parseNetwork(except);
  if (network === undefined || exception === undefined) return undefined;
  if (networkContains(exception, network)) return `cidr '${cidr}' is completely negated by exception '${except}'`;
  if (!networkContains(network, exception)) return `cidr '${cidr}' does not include exception '${except}'`;
  return undefined;
}
