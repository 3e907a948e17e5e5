/**
 * `sinew proxy-init`: the init container of a meshed pod. Writes the iptables rules that send the
 * pod's TCP traffic through its proxy (or, with --cleanup, removes them), taking the flags and
 * defaults of Linkerd's proxy-init so the same injected pod spec runs either.
 */
import { createLogger, type LogLevel } from '../observe/logger.js';
import { firewallConfig, FirewallConfigError, type FirewallFlags } from '../init/firewall-config.js';
import { FirewallError, spawnRunner } from '../init/firewall-command.js';
import { runProxyInit } from '../init/proxy-init.js';
import { oneOf, parse } from './args.js';
import type { CommandIo } from './command-io.js';
import { UsageError } from './usage-error.js';

export const proxyInitHelp = `Usage: sinew proxy-init [flags]

Writes the nat-table rules that redirect a pod's TCP traffic into its proxy: chain PROXY_INIT_REDIRECT
(from PREROUTING) sends inbound connections to the inbound port, chain PROXY_INIT_OUTPUT (from
OUTPUT) sends outbound ones to the outbound port. The proxy's own user, loopback traffic, ignored
ports and ignored source subnets are left alone. The current rules are read first and the new ones
applied in one iptables-restore batch, so running it twice changes nothing and a failure changes
nothing. Needs root or the NET_ADMIN and NET_RAW capabilities.

Flags (Linkerd's proxy-init flags and defaults; lists are comma-separated or repeated):
  -p, --incoming-proxy-port PORT     the proxy's inbound port (default 4143)
  -o, --outgoing-proxy-port PORT     the proxy's outbound port (default 4140)
  -u, --proxy-uid UID                the proxy's user: its connections are not redirected (default 2102)
      --proxy-gid GID                the proxy's group, likewise (default: none)
  -r, --ports-to-redirect PORTS      redirect only these inbound ports (default: all)
      --inbound-ports-to-ignore P    inbound ports and ranges (a-b) left alone (default 4190,4191,4567,4568)
      --outbound-ports-to-ignore P   outbound ports and ranges left alone (default 4567,4568)
      --subnets-to-ignore CIDRS      inbound connections from these networks are left alone
      --iptables-mode legacy|nft     which iptables to drive (default legacy: iptables-legacy,
                                     iptables-legacy-save, iptables-legacy-restore); wins over the two below
      --firewall-bin-path PATH       the iptables binary (its -save and -restore twins are used)
      --firewall-save-bin-path PATH  the iptables-save binary
      --ipv6[=false]                 also write the rules with ip6tables (default true; an IPv6 failure
                                     is a warning, not an error)
  -w, --use-wait-flag                pass -w so iptables waits for the xtables lock
      --netns PATH                   run the commands in this network namespace (nsenter --net=PATH)
      --timeout-close-wait-secs N    set net.netfilter.nf_conntrack_tcp_timeout_close_wait first
      --simulate                     print the commands and the rules, run nothing
      --cleanup                      remove the chains and jumps instead (Sinew's addition)
      --log-level LEVEL              debug, info, warn or error (default info)
      --log-format plain|json        (default plain)
  -h, --help                         show this help

Exit status: 0 done, 1 the firewall could not be changed (the message names the program and why;
nothing was changed), 2 a flag that cannot be used.
`;

const booleanFlags = new Set(['--ipv6', '--simulate', '--cleanup', '--use-wait-flag', '-w', '--help', '-h']);

/** Go-style booleans: `--ipv6`, `--ipv6=true`, `--ipv6=false` (node's parser takes no value on a boolean). */
function normaliseBooleans(argv: readonly string[]): { argv: string[]; values: Map<string, boolean> } {
  const values = new Map<string, boolean>();
  const rest: string[] = [];
  for (const arg of argv) {
    const [name, value] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (!booleanFlags.has(name)) {
      rest.push(arg);
      continue;
    }
    if (value === undefined || /^(1|t|true)$/i.test(value)) values.set(name.replace(/^-w$/, '--use-wait-flag').replace(/^-h$/, '--help'), true);
    else if (/^(0|f|false)$/i.test(value)) values.set(name.replace(/^-w$/, '--use-wait-flag').replace(/^-h$/, '--help'), false);
    else throw new UsageError(`${name} must be true or false; got ${JSON.stringify(value)}`);
  }
  return { argv: rest, values };
}

const list = (values: readonly string[] | undefined, fallback: readonly string[]): string[] =>
  values === undefined ? [...fallback] : values.flatMap((value) => value.split(',')).map((item) => item.trim()).filter((item) => item !== '');

const levels: Readonly<Record<string, LogLevel>> = { trace: 'debug', debug: 'debug', info: 'info', warn: 'warn', warning: 'warn', error: 'error', fatal: 'error', panic: 'error' };

export async function proxyInitCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const booleans = normaliseBooleans(argv);
  const { values, positionals } = parse(booleans.argv, {
    'incoming-proxy-port': { type: 'string', short: 'p' }, 'outgoing-proxy-port': { type: 'string', short: 'o' },
    'proxy-uid': { type: 'string', short: 'u' }, 'proxy-gid': { type: 'string' },
    'ports-to-redirect': { type: 'string', short: 'r', multiple: true },
    'inbound-ports-to-ignore': { type: 'string', multiple: true }, 'outbound-ports-to-ignore': { type: 'string', multiple: true },
    'subnets-to-ignore': { type: 'string', multiple: true },
    'iptables-mode': { type: 'string' }, 'firewall-bin-path': { type: 'string' }, 'firewall-save-bin-path': { type: 'string' },
    netns: { type: 'string' }, 'timeout-close-wait-secs': { type: 'string' },
    'log-level': { type: 'string' }, 'log-format': { type: 'string' },
  });
  if (booleans.values.get('--help') === true) {
    io.out(proxyInitHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`takes no arguments; got ${JSON.stringify(positionals[0])}`);
  const level = values['log-level'] === undefined ? 'info' : levels[values['log-level'].toLowerCase()];
  if (level === undefined) throw new UsageError(`--log-level must be one of debug, info, warn, error; got ${JSON.stringify(values['log-level'])}`);
  const format = oneOf('--log-format', values['log-format'], ['plain', 'json'] as const, 'plain');
  if (values.netns === '') throw new UsageError('--netns must name a network namespace file such as /var/run/netns/pod');
  const flags: FirewallFlags = {
    incomingProxyPort: values['incoming-proxy-port'] ?? '4143',
    outgoingProxyPort: values['outgoing-proxy-port'] ?? '4140',
    proxyUid: values['proxy-uid'] ?? '2102',
    ...(values['proxy-gid'] === undefined ? {} : { proxyGid: values['proxy-gid'] }),
    portsToRedirect: list(values['ports-to-redirect'], []),
    inboundPortsToIgnore: list(values['inbound-ports-to-ignore'], ['4190', '4191', '4567', '4568']),
    outboundPortsToIgnore: list(values['outbound-ports-to-ignore'], ['4567', '4568']),
    subnetsToIgnore: list(values['subnets-to-ignore'], []),
    ...(values['iptables-mode'] === undefined ? {} : { iptablesMode: values['iptables-mode'] }),
    ...(values['firewall-bin-path'] === undefined ? {} : { firewallBinPath: values['firewall-bin-path'] }),
    ...(values['firewall-save-bin-path'] === undefined ? {} : { firewallSaveBinPath: values['firewall-save-bin-path'] }),
    ipv6: booleans.values.get('--ipv6') ?? true,
    useWaitFlag: booleans.values.get('--use-wait-flag') ?? false,
    ...(values.netns === undefined ? {} : { netns: values.netns }),
    ...(values['timeout-close-wait-secs'] === undefined ? {} : { closeWaitTimeoutSecs: values['timeout-close-wait-secs'] }),
    simulate: booleans.values.get('--simulate') ?? false,
  };
  let config;
  try {
    config = firewallConfig(flags);
  } catch (error) {
    if (error instanceof FirewallConfigError) throw new UsageError(error.message);
    throw error;
  }
  const log = createLogger({ level, format: format === 'json' ? 'json' : 'logfmt', write: (line) => io.err(`${line}\n`) });
  const action = booleans.values.get('--cleanup') === true ? 'cleanup' : 'install';
  try {
    const outcomes = await runProxyInit(config, action, { run: spawnRunner(config.netns), log, print: (text) => io.out(text) });
    for (const outcome of outcomes) if (outcome.rules !== '') io.out(outcome.rules.endsWith('\n') ? outcome.rules : `${outcome.rules}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof FirewallError)) throw error;
    io.err(`sinew proxy-init: ${error.message}; no rule was changed\n`);
    return 1;
  }
}
