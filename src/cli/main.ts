/**
 * The `sinew` command: dispatches to one file per command. Exit codes: 0 success, 1 failure,
 * 2 a command line that cannot be run (the message names the flag and what is wrong).
 */
import { authzCommand, authzHelp } from './authz.js';
import { checkCommand, checkHelp } from './check.js';
import { processIo, type CommandIo } from './command-io.js';
import { controlPlaneCommand, controlPlaneHelp } from './control-plane.js';
import { identityCommand, identityHelp } from './identity.js';
import { injectCommand, injectHelp } from './inject.js';
import { installCommand, installHelp } from './install.js';
import { diagnosticsCommand, diagnosticsHelp } from './diagnostics.js';
import { proxyCommand, proxyHelp } from './proxy.js';
import { replayCommand, replayHelp } from './replay.js';
import { uninjectCommand, uninjectHelp } from './uninject.js';
import { uninstallCommand, uninstallHelp } from './uninstall.js';
import { UsageError } from './usage-error.js';
import { versionCommand, versionHelp } from './version.js';
import { vizCommand, vizHelp } from './viz.js';

type Command = (argv: readonly string[], io: CommandIo) => number | Promise<number>;

const commands: Readonly<Record<string, { run: Command; summary: string; help: string }>> = {
  authz: { run: authzCommand, summary: 'list the authorizations that apply to a workload', help: authzHelp },
  check: { run: checkCommand, summary: 'check that the cluster is ready for Sinew, or that Sinew is healthy', help: checkHelp },
  'control-plane': { run: controlPlaneCommand, summary: 'run the control plane (informers, store, reconcilers, streams)', help: controlPlaneHelp },
  diagnostics: { run: diagnosticsCommand, summary: 'ask a running control plane what it would send a proxy', help: diagnosticsHelp },
  identity: { run: identityCommand, summary: 'identity tooling: generate-ca writes a trust anchor and issuer', help: identityHelp },
  inject: { run: injectCommand, summary: 'add the proxy (or the annotation the injector acts on) to Kubernetes manifests', help: injectHelp },
  install: { run: installCommand, summary: 'print the CRDs (--crds) or the control plane, for kubectl apply -f -', help: installHelp },
  proxy: { run: proxyCommand, summary: 'run the sidecar proxy (configured by LINKERD2_PROXY_* variables)', help: proxyHelp },
  replay: { run: replayCommand, summary: 'replay an event log through the control-plane pipeline', help: replayHelp },
  uninject: { run: uninjectCommand, summary: 'remove the proxy from Kubernetes manifests', help: uninjectHelp },
  uninstall: { run: uninstallCommand, summary: 'print everything Sinew installed, for kubectl delete -f -', help: uninstallHelp },
  viz: { run: vizCommand, summary: 'the observability extension: install, stat, routes, edges, top, tap, dashboard', help: vizHelp },
  version: { run: (argv, io) => versionCommand(argv, (text) => io.out(text)), summary: 'print the client and control-plane versions', help: versionHelp },
};

export const mainHelp = `sinew: a Linkerd-compatible service mesh for Kubernetes

Usage: sinew COMMAND [flags]

Commands:
${Object.entries(commands).map(([name, { summary }]) => `  ${name.padEnd(15)} ${summary}`).join('\n')}

Run 'sinew COMMAND --help' for a command's flags.
`;

export async function main(argv: readonly string[], io: CommandIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    io.out(topic !== undefined && commands[topic] !== undefined ? commands[topic].help : mainHelp);
    return 0;
  }
  if (name === '--version') return versionCommand(['--client'], (text) => io.out(text));
  const command = commands[name];
  if (command === undefined) {
    io.err(`sinew: unknown command ${JSON.stringify(name)}\nRun 'sinew --help' for the list of commands.\n`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`sinew ${name}: ${error.message}\nRun 'sinew ${name} --help' for usage.\n`);
      return 2;
    }
    io.err(`sinew ${name}: ${(error as Error).message}\n`);
    return 1;
  }
}
