/**
 * The `sinew` command: dispatches to one file per command. Exit codes: 0 success, 1 failure,
 * 2 a command line that cannot be run (the message names the flag and what is wrong).
 */
import { processIo, type CommandIo } from './command-io.js';
import { UsageError } from './usage-error.js';

type Command = (argv: readonly string[], io: CommandIo) => number | Promise<number>;

/**
 * Each command's module is loaded only when it runs: `sinew proxy` does not load the installer,
 * the viz extension or the control plane (memory in every meshed pod), and a command that cannot
 * load cannot stop another from running.
 */
const commands: Readonly<Record<string, { readonly summary: string; readonly load: () => Promise<{ readonly run: Command; readonly help: string }> }>> = {
  authz: {
    summary: 'list the authorizations that apply to a workload',
    load: async () => { const m = await import('./authz.js'); return { run: m.authzCommand, help: m.authzHelp }; },
  },
  check: {
    summary: 'check that the cluster is ready for Sinew, or that Sinew is healthy',
    load: async () => { const m = await import('./check.js'); return { run: m.checkCommand, help: m.checkHelp }; },
  },
  'control-plane': {
    summary: 'run the control plane (informers, store, reconcilers, streams)',
    load: async () => { const m = await import('./control-plane.js'); return { run: m.controlPlaneCommand, help: m.controlPlaneHelp }; },
  },
  demo: {
    summary: 'run a meshed application on this machine (no cluster, no root) with a live view',
    load: async () => { const m = await import('./demo.js'); return { run: m.demoCommand, help: m.demoHelp }; },
  },
  diagnostics: {
    summary: 'ask a running control plane what it would send a proxy',
    load: async () => { const m = await import('./diagnostics.js'); return { run: m.diagnosticsCommand, help: m.diagnosticsHelp }; },
  },
  identity: {
    summary: 'identity tooling: generate-ca writes a trust anchor and issuer',
    load: async () => { const m = await import('./identity.js'); return { run: m.identityCommand, help: m.identityHelp }; },
  },
  inject: {
    summary: 'add the proxy (or the annotation the injector acts on) to Kubernetes manifests',
    load: async () => { const m = await import('./inject.js'); return { run: m.injectCommand, help: m.injectHelp }; },
  },
  install: {
    summary: 'print the CRDs (--crds) or the control plane, for kubectl apply -f -',
    load: async () => { const m = await import('./install.js'); return { run: m.installCommand, help: m.installHelp }; },
  },
  proxy: {
    summary: 'run the sidecar proxy (configured by LINKERD2_PROXY_* variables)',
    load: async () => { const m = await import('./proxy.js'); return { run: m.proxyCommand, help: m.proxyHelp }; },
  },
  'proxy-await': {
    summary: 'wait until the pod\'s proxy is ready (the classic sidecar layout\'s postStart hook)',
    load: async () => { const m = await import('./proxy-await.js'); return { run: m.proxyAwaitCommand, help: m.proxyAwaitHelp }; },
  },
  'proxy-init': {
    summary: 'write the iptables rules that send a pod\'s traffic through its proxy',
    load: async () => { const m = await import('./proxy-init.js'); return { run: m.proxyInitCommand, help: m.proxyInitHelp }; },
  },
  replay: {
    summary: 'replay an event log through the control-plane pipeline',
    load: async () => { const m = await import('./replay.js'); return { run: m.replayCommand, help: m.replayHelp }; },
  },
  uninject: {
    summary: 'remove the proxy from Kubernetes manifests',
    load: async () => { const m = await import('./uninject.js'); return { run: m.uninjectCommand, help: m.uninjectHelp }; },
  },
  uninstall: {
    summary: 'print everything Sinew installed, for kubectl delete -f -',
    load: async () => { const m = await import('./uninstall.js'); return { run: m.uninstallCommand, help: m.uninstallHelp }; },
  },
  viz: {
    summary: 'the observability extension: install, stat, routes, edges, top, tap, dashboard',
    load: async () => { const m = await import('./viz.js'); return { run: m.vizCommand, help: m.vizHelp }; },
  },
  version: {
    summary: 'print the client and control-plane versions',
    load: async () => {
      const m = await import('./version.js');
      return { run: (argv, io) => m.versionCommand(argv, (text) => io.out(text)), help: m.versionHelp };
    },
  },
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
    const entry = topic === undefined ? undefined : commands[topic];
    io.out(entry === undefined ? mainHelp : (await entry.load()).help);
    return 0;
  }
  if (name === '--version') return (await import('./version.js')).versionCommand(['--client'], (text) => io.out(text));
  const command = commands[name];
  if (command === undefined) {
    io.err(`sinew: unknown command ${JSON.stringify(name)}\nRun 'sinew --help' for the list of commands.\n`);
    return 2;
  }
  try {
    const { run } = await command.load();
    return await run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`sinew ${name}: ${error.message}\nRun 'sinew ${name} --help' for usage.\n`);
      return 2;
    }
    io.err(`sinew ${name}: ${(error as Error).message}\n`);
    return 1;
  }
}
