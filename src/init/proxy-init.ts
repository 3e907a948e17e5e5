/**
 * proxy-init: installs (or removes) the redirect rules for each IP family, one atomic
 * `iptables-restore --noflush` batch per family, computed from the rules read just before.
 *
 * Contract:
 *  - IPv4 first; a failure there (program missing, not permitted, rejected batch) is thrown as a
 *    FirewallError and, the batch being atomic, leaves the table as it was.
 *  - IPv6 second, when wanted: a failure is reported as a warning and not thrown (a node without
 *    IPv6 support must not stop the pod), as Linkerd's proxy-init does.
 *  - Simulation runs nothing and reports the commands with the batch that an empty table would get.
 *  - Each step is reported through `report` as it happens: the command, then the rules in place.
 */
import type { Logger } from '../observe/logger.js';
import type { FirewallConfig, IpFamily, IptablesBinaries } from './firewall-config.js';
import { FirewallError, type RunCommand } from './firewall-command.js';
import { cleanupBatch, installBatch } from './firewall-rules.js';

export type ProxyInitAction = 'install' | 'cleanup';

export interface ProxyInitDeps {
  readonly run: RunCommand;
  readonly log: Logger;
  /** Where a simulation prints the commands it would run. */
  readonly print: (text: string) => void;
}

export interface FamilyOutcome {
  readonly family: IpFamily;
  /** `iptables-save -t nat` after the change (empty when simulated or failed). */
  readonly rules: string;
  /** Set when this family's rules could not be written (IPv6 only; IPv4 failures throw). */
  readonly warning?: string;
}

function restoreArgv(config: FirewallConfig, binaries: IptablesBinaries): string[] {
  return [binaries.restore, '--noflush', ...(config.useWaitFlag ? ['-w'] : [])];
}

async function applyFamily(config: FirewallConfig, action: ProxyInitAction, family: IpFamily, binaries: IptablesBinaries, deps: ProxyInitDeps): Promise<string> {
  const saveArgv = [binaries.save, '-t', 'nat'];
  if (config.simulate) {
    const batch = action === 'install' ? installBatch(config, family, '') : [];
    deps.print(`# ${family}\n${saveArgv.join(' ')}\n${action === 'install' ? `${restoreArgv(config, binaries).join(' ')} <<EOF\n${batch.join('\n')}\nEOF\n` : '# (cleanup removes the jumps and chains that the saved rules show)\n'}`);
    return '';
  }
  deps.log.info('reading the nat table', { family, command: saveArgv.join(' ') });
  const saved = (await deps.run(saveArgv)).stdout;
  const batch = action === 'install' ? installBatch(config, family, saved) : cleanupBatch(saved);
  if (batch.length === 0) {
    deps.log.info('nothing to remove', { family });
    return saved;
  }
  const argv = restoreArgv(config, binaries);
  deps.log.info('applying the rules in one batch', { family, command: argv.join(' '), rules: batch.length - 2 });
  for (const line of batch) deps.log.debug('batch line', { family, line });
  await deps.run(argv, `${batch.join('\n')}\n`);
  try {
    const after = (await deps.run(saveArgv)).stdout;
    deps.log.info('nat table now', { family, rules: after.split('\n').filter((line) => line.startsWith('-A ')).length });
    return after;
  } catch (error) {
    // The batch is in; only the report of it failed.
    if (!(error instanceof FirewallError)) throw error;
    deps.log.warn('rules applied, but reading them back failed', { family, error: error.message });
    return '';
  }
}

async function setCloseWaitTimeout(config: FirewallConfig, deps: ProxyInitDeps): Promise<void> {
  if (config.closeWaitTimeoutSecs === 0) return;
  const argv = ['sysctl', '-w', `net.netfilter.nf_conntrack_tcp_timeout_close_wait=${config.closeWaitTimeoutSecs}`];
  if (config.simulate) {
    deps.print(`${argv.join(' ')}\n`);
    return;
  }
  deps.log.info('setting the conntrack close-wait timeout', { command: argv.join(' ') });
  await deps.run(argv);
}

export async function runProxyInit(config: FirewallConfig, action: ProxyInitAction, deps: ProxyInitDeps): Promise<FamilyOutcome[]> {
  if (action === 'install') await setCloseWaitTimeout(config, deps);
  const outcomes: FamilyOutcome[] = [
    { family: 'ipv4', rules: await applyFamily(config, action, 'ipv4', config.binaries.ipv4, deps) },
  ];
  if (config.ipv6Skipped !== undefined) {
    deps.log.warn('IPv6 rules not written', { reason: config.ipv6Skipped });
    outcomes.push({ family: 'ipv6', rules: '', warning: config.ipv6Skipped });
  }
  const ipv6 = config.binaries.ipv6;
  if (ipv6 !== undefined) {
    try {
      outcomes.push({ family: 'ipv6', rules: await applyFamily(config, action, 'ipv6', ipv6, deps) });
    } catch (error) {
      if (!(error instanceof FirewallError)) throw error;
      deps.log.warn('IPv6 rules not written; IPv4 rules are in place', { error: error.message });
      outcomes.push({ family: 'ipv6', rules: '', warning: error.message });
    }
  }
  return outcomes;
}
