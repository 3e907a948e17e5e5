/**
 * IP networks as Kubernetes objects and flags write them (`10.0.0.0/8`, `fd00::/8`, or one
 * address): parsing, and whether one network holds another or an address. The one place Sinew reads
 * CIDRs, so the projections, the validators, the policy reconcilers and the policy services agree
 * on what a network is.
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

/** Whether `address` (an IP address) is in the network `cidr` names; false when either names none. */
export function networkHolds(cidr: string, address: string): boolean {
  const network = parseNetwork(cidr);
  const inner = parseNetwork(address);
  return network !== undefined && inner !== undefined && inner.prefix === (inner.family === 'ipv4' ? 32 : 128) && networkContains(network, inner);
}

/** A set of networks to test addresses against; texts that name no network are left out. */
export function networkSet(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const network = parseNetwork(cidr.trim());
    if (network !== undefined) list.addSubnet(network.address, network.prefix, network.family);
  }
  return list;
}
