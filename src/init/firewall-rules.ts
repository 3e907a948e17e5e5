/**
 * The nat-table rules that send a pod's TCP traffic through its proxy, as Linkerd's proxy-init
 * writes them, expressed as one `iptables-restore --noflush` batch so they apply all together or
 * not at all.
 *
 * - `PROXY_INIT_REDIRECT` (jumped to from PREROUTING): ignored inbound ports return, ignored
 *   source subnets return, then every TCP connection (or only the listed ports) is redirected to
 *   the proxy's inbound port.
 * - `PROXY_INIT_OUTPUT` (jumped to from OUTPUT): the proxy's own user (and group) return, traffic
 *   leaving through loopback returns, ignored outbound ports return, then every TCP connection is
 *   redirected to the proxy's outbound port.
 *
 * Idempotent: the batch is computed from the current rules (`iptables-save -t nat`). Declaring a
 * chain in a --noflush batch empties it if it exists, and a jump is added only when none exists,
 * so applying it twice leaves the same rules as once. Every rule carries a `proxy-init/…` comment.
 * Pure.
 */
import type { IpNetwork } from '../informers/ip-network.js';
import type { FirewallConfig, IpFamily } from './firewall-config.js';
import { iptablesPortSpec, multiportSlots, type PortRange } from './port-range.js';

export const redirectChain = 'PROXY_INIT_REDIRECT';
export const outputChain = 'PROXY_INIT_OUTPUT';

/** At most this many ports (a range counts two) in one multiport match, as iptables allows. */
export const multiportLimit = 15;

const comment = (text: string): string => `-m comment --comment proxy-init/${text}`;

/** The ranges in groups that each fit one multiport match, in the order given. */
export function multiportGroups(ranges: readonly PortRange[]): PortRange[][] {
  const groups: PortRange[][] = [];
  let current: PortRange[] = [];
  let slots = 0;
  for (const range of ranges) {
    if (slots + multiportSlots(range) > multiportLimit) {
      groups.push(current);
      current = [];
      slots = 0;
    }
    current.push(range);
    slots += multiportSlots(range);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function ignorePorts(chain: string, ranges: readonly PortRange[]): string[] {
  return multiportGroups(ranges).map((group) => {
    const ports = group.map(iptablesPortSpec).join(',');
    return `-A ${chain} -p tcp --match multiport --dports ${ports} -j RETURN ${comment(`ignore-port-${ports}`)}`;
  });
}

function cidr(network: IpNetwork): string {
  return `${network.address}/${network.prefix}`;
}

function jumpPattern(from: string, to: string): RegExp {
  return new RegExp(`^-A ${from} (?:.+ )?-j ${to}(?: |$)`, 'm');
}

/** Whether the saved rules already jump from `from` to `to`. */
export function hasJump(saved: string, from: string, to: string): boolean {
  return jumpPattern(from, to).test(saved);
}

function inboundRules(config: FirewallConfig, family: IpFamily): string[] {
  const subnets = config.subnetsToIgnore.filter((network) => network.family === family);
  const redirect = config.mode === 'redirect-all'
    ? [`-A ${redirectChain} -p tcp -j REDIRECT --to-port ${config.incomingProxyPort} ${comment('redirect-all-incoming-to-proxy-port')}`]
    : config.portsToRedirect.map((port) =>
      `-A ${redirectChain} -p tcp --destination-port ${port} -j REDIRECT --to-port ${config.incomingProxyPort} ${comment(`redirect-port-${port}-to-proxy-port`)}`);
  return [
    ...ignorePorts(redirectChain, config.inboundPortsToIgnore),
    ...subnets.map((network) => `-A ${redirectChain} -p all -j RETURN -s ${cidr(network)} ${comment(`ignore-subnet-${cidr(network)}`)}`),
    ...redirect,
  ];
}

function outboundRules(config: FirewallConfig): string[] {
  return [
    ...(config.proxyUid > 0 ? [`-A ${outputChain} -m owner --uid-owner ${config.proxyUid} -j RETURN ${comment('ignore-proxy-user-id')}`] : []),
    ...(config.proxyGid > 0 ? [`-A ${outputChain} -m owner --gid-owner ${config.proxyGid} -j RETURN ${comment('ignore-proxy-group-id')}`] : []),
    `-A ${outputChain} -o lo -j RETURN ${comment('ignore-loopback')}`,
    ...ignorePorts(outputChain, config.outboundPortsToIgnore),
    `-A ${outputChain} -p tcp -j REDIRECT --to-port ${config.outgoingProxyPort} ${comment('redirect-all-outgoing-to-proxy-port')}`,
  ];
}

/** The restore batch that installs the rules for `family`, given the rules now in place. */
export function installBatch(config: FirewallConfig, family: IpFamily, saved: string): string[] {
  return [
    '*nat',
    `:${redirectChain} - [0:0]`,
    `:${outputChain} - [0:0]`,
    ...inboundRules(config, family),
    ...(hasJump(saved, 'PREROUTING', redirectChain) ? [] : [`-A PREROUTING -j ${redirectChain} ${comment('install-proxy-init-prerouting')}`]),
    ...outboundRules(config),
    ...(hasJump(saved, 'OUTPUT', outputChain) ? [] : [`-A OUTPUT -j ${outputChain} ${comment('install-proxy-init-output')}`]),
    'COMMIT',
  ];
}

/**
 * The restore batch that removes everything `installBatch` adds: every jump to the two chains
 * (each deleted by its own saved spelling), then the chains. Empty when none of it is there.
 */
export function cleanupBatch(saved: string): string[] {
  const lines = saved.split('\n');
  const jumps = lines.filter((line) => jumpPattern('PREROUTING', redirectChain).test(line) || jumpPattern('OUTPUT', outputChain).test(line));
  const chains = [redirectChain, outputChain].filter((chain) => lines.some((line) => line.startsWith(`:${chain} `)));
  if (jumps.length === 0 && chains.length === 0) return [];
  return [
    '*nat',
    ...jumps.map((line) => `-D${line.slice(2)}`),
    ...chains.map((chain) => `-F ${chain}`),
    ...chains.map((chain) => `-X ${chain}`),
    'COMMIT',
  ];
}
