/**
 * What `sinew proxy-init` is asked to do, validated: the proxy's ports and user, what to leave
 * alone, and which iptables binaries to drive. Built once from the flags; everything after reads
 * it. Pure: a value that cannot be used is a FirewallConfigError naming the flag and the value.
 */
import { parseNetwork, type IpNetwork } from '../informers/ip-network.js';
import { parsePortRange, PortRangeError, type PortRange } from './port-range.js';

export type IptablesMode = 'legacy' | 'nft';
export type IpFamily = 'ipv4' | 'ipv6';

/** The three binaries of one family: rules are read with `save` and applied with `restore`. */
export interface IptablesBinaries {
  readonly iptables: string;
  readonly save: string;
  readonly restore: string;
}

export interface FirewallConfig {
  /** `redirect-all`: every inbound TCP port goes to the proxy; `redirect-listed`: only `portsToRedirect`. */
  readonly mode: 'redirect-all' | 'redirect-listed';
  readonly incomingProxyPort: number;
  readonly outgoingProxyPort: number;
  /** Connections this user opens are never redirected (the proxy's own); -1 for none. */
  readonly proxyUid: number;
  readonly proxyGid: number;
  readonly portsToRedirect: readonly number[];
  readonly inboundPortsToIgnore: readonly PortRange[];
  readonly outboundPortsToIgnore: readonly PortRange[];
  /** Inbound connections from these sources are never redirected. */
  readonly subnetsToIgnore: readonly IpNetwork[];
  /** The binaries per family; `ipv6` is absent when IPv6 rules are not wanted or have no binary. */
  readonly binaries: { readonly ipv4: IptablesBinaries; readonly ipv6?: IptablesBinaries };
  /** Why IPv6 rules are not written although --ipv6 is on (a custom binary with no ip6tables twin). */
  readonly ipv6Skipped?: string;
  /** Appends `-w` so iptables waits for the xtables lock instead of failing. */
  readonly useWaitFlag: boolean;
  /** A network namespace file to enter (`nsenter --net=…`) for every command. */
  readonly netns?: string;
  readonly closeWaitTimeoutSecs: number;
  readonly simulate: boolean;
}

/** A flag value that cannot be used; `flag` is the flag as typed on the command line. */
export class FirewallConfigError extends Error {
  constructor(readonly flag: string, message: string) {
    super(`${flag} ${message}`);
    this.name = 'FirewallConfigError';
  }
}

/** The flags as given (strings as typed; lists already split on commas). */
export interface FirewallFlags {
  readonly incomingProxyPort: string;
  readonly outgoingProxyPort: string;
  readonly proxyUid: string;
  readonly proxyGid?: string;
  readonly portsToRedirect: readonly string[];
  readonly inboundPortsToIgnore: readonly string[];
  readonly outboundPortsToIgnore: readonly string[];
  readonly subnetsToIgnore: readonly string[];
  readonly iptablesMode?: string;
  readonly firewallBinPath?: string;
  readonly firewallSaveBinPath?: string;
  readonly ipv6: boolean;
  readonly useWaitFlag: boolean;
  readonly netns?: string;
  readonly closeWaitTimeoutSecs?: string;
  readonly simulate: boolean;
}

function integer(flag: string, text: string, min: number, max: number): number {
  const value = /^-?\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new FirewallConfigError(flag, `must be an integer from ${min} to ${max}; got ${JSON.stringify(text)}`);
  }
  return value;
}

function portRanges(flag: string, items: readonly string[]): PortRange[] {
  return items.map((item) => {
    try {
      return parsePortRange(item);
    } catch (error) {
      if (error instanceof PortRangeError) throw new FirewallConfigError(flag, `has a bad entry: ${error.message}`);
      throw error;
    }
  });
}

function subnets(items: readonly string[]): IpNetwork[] {
  return items.map((item) => {
    const network = item.includes('/') ? parseNetwork(item.trim()) : undefined;
    if (network === undefined) throw new FirewallConfigError('--subnets-to-ignore', `has "${item}", which is not a network in CIDR form such as 10.0.0.0/8`);
    return network;
  });
}

const modeBinaries: Readonly<Record<IptablesMode, { readonly ipv4: IptablesBinaries; readonly ipv6: IptablesBinaries }>> = {
  legacy: {
    ipv4: { iptables: 'iptables-legacy', save: 'iptables-legacy-save', restore: 'iptables-legacy-restore' },
    ipv6: { iptables: 'ip6tables-legacy', save: 'ip6tables-legacy-save', restore: 'ip6tables-legacy-restore' },
  },
  nft: {
    ipv4: { iptables: 'iptables-nft', save: 'iptables-nft-save', restore: 'iptables-nft-restore' },
    ipv6: { iptables: 'ip6tables-nft', save: 'ip6tables-nft-save', restore: 'ip6tables-nft-restore' },
  },
};

/** `/sbin/iptables` → `/sbin/ip6tables`; undefined when the name does not start with `iptables`. */
function ip6twin(path: string): string | undefined {
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  return base.startsWith('iptables') ? `${path.slice(0, slash + 1)}ip6${base.slice(2)}` : undefined;
}

function customBinaries(binPath: string, savePath: string | undefined): { ipv4: IptablesBinaries; ipv6?: IptablesBinaries } {
  const ipv4 = { iptables: binPath, save: savePath ?? `${binPath}-save`, restore: `${binPath}-restore` };
  const bin6 = ip6twin(binPath);
  if (bin6 === undefined) return { ipv4 };
  const save6 = savePath === undefined ? `${bin6}-save` : ip6twin(savePath);
  return save6 === undefined ? { ipv4 } : { ipv4, ipv6: { iptables: bin6, save: save6, restore: `${bin6}-restore` } };
}

function binaries(flags: FirewallFlags): Pick<FirewallConfig, 'binaries' | 'ipv6Skipped'> {
  const mode = flags.iptablesMode;
  if (mode !== undefined && mode !== 'legacy' && mode !== 'nft') {
    throw new FirewallConfigError('--iptables-mode', `must be legacy or nft; got ${JSON.stringify(mode)}`);
  }
  if (flags.firewallBinPath === '') throw new FirewallConfigError('--firewall-bin-path', 'must not be empty');
  if (flags.firewallSaveBinPath === '') throw new FirewallConfigError('--firewall-save-bin-path', 'must not be empty');
  // As in Linkerd's proxy-init, --iptables-mode wins over the two path flags.
  const chosen = mode !== undefined || flags.firewallBinPath === undefined
    ? modeBinaries[mode ?? 'legacy']
    : customBinaries(flags.firewallBinPath, flags.firewallSaveBinPath);
  if (!flags.ipv6) return { binaries: { ipv4: chosen.ipv4 } };
  if (chosen.ipv6 === undefined) {
    return { binaries: { ipv4: chosen.ipv4 }, ipv6Skipped: `no ip6tables binary goes with ${chosen.ipv4.iptables} (its name does not start with iptables)` };
  }
  return { binaries: { ipv4: chosen.ipv4, ipv6: chosen.ipv6 } };
}

export function firewallConfig(flags: FirewallFlags): FirewallConfig {
  const portsToRedirect = flags.portsToRedirect.map((port) => integer('--ports-to-redirect', port, 1, 65535));
  return {
    mode: portsToRedirect.length > 0 ? 'redirect-listed' : 'redirect-all',
    incomingProxyPort: integer('--incoming-proxy-port', flags.incomingProxyPort, 1, 65535),
    outgoingProxyPort: integer('--outgoing-proxy-port', flags.outgoingProxyPort, 1, 65535),
    proxyUid: integer('--proxy-uid', flags.proxyUid, -1, 4294967294),
    proxyGid: flags.proxyGid === undefined ? -1 : integer('--proxy-gid', flags.proxyGid, -1, 4294967294),
    portsToRedirect,
    inboundPortsToIgnore: portRanges('--inbound-ports-to-ignore', flags.inboundPortsToIgnore),
    outboundPortsToIgnore: portRanges('--outbound-ports-to-ignore', flags.outboundPortsToIgnore),
    subnetsToIgnore: subnets(flags.subnetsToIgnore),
    ...binaries(flags),
    useWaitFlag: flags.useWaitFlag,
    ...(flags.netns === undefined ? {} : { netns: flags.netns }),
    closeWaitTimeoutSecs: flags.closeWaitTimeoutSecs === undefined ? 0 : integer('--timeout-close-wait-secs', flags.closeWaitTimeoutSecs, 0, 86400),
    simulate: flags.simulate,
  };
}
