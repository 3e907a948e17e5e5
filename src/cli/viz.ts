/**
 * `sinew viz`: the observability extension's commands, one file each (`viz-<name>.ts`), dispatched
 * from the table below. Each entry is loaded only when its command runs, so `sinew viz stat`
 * does not load the dashboard's code.
 */
import type { CommandIo } from './command-io.js';
import { UsageError } from './usage-error.js';

type VizCommand = (argv: readonly string[], io: CommandIo) => number | Promise<number>;

interface VizEntry {
  readonly summary: string;
  readonly load: () => Promise<{ readonly run: VizCommand; readonly help: string }>;
}

/** One line per command; the modules export `<name>Command` and `<name>Help`. */
const vizCommands: Readonly<Record<string, VizEntry>> = {
  check: { summary: 'check that the viz extension is installed and healthy', load: async () => { const m = await import('./viz-check.js'); return { run: m.vizCheckCommand, help: m.vizCheckHelp }; } },
  dashboard: { summary: 'serve the web dashboard on localhost (prints its address, opens nothing)', load: async () => { const m = await import('./viz-dashboard.js'); return { run: m.dashboardCommand, help: m.dashboardHelp }; } },
  edges: { summary: 'show which resources talk to which, and their identities', load: async () => { const m = await import('./viz-edges.js'); return { run: m.edgesCommand, help: m.edgesHelp }; } },
  install: { summary: 'print the viz extension\'s manifests for kubectl apply', load: async () => { const m = await import('./viz-install.js'); return { run: m.vizInstallCommand, help: m.vizInstallHelp }; } },
  'metrics-api': { summary: 'serve the metrics API (stat, routes, edges) from Prometheus or by scraping the proxies', load: async () => { const m = await import('./viz-metrics-api.js'); return { run: m.metricsApiCommand, help: m.metricsApiHelp }; } },
  routes: { summary: 'show per-route stats of a resource', load: async () => { const m = await import('./viz-routes.js'); return { run: m.routesCommand, help: m.routesHelp }; } },
  stat: { summary: 'show traffic stats of resources (success rate, RPS, latencies, TCP)', load: async () => { const m = await import('./viz-stat.js'); return { run: m.statCommand, help: m.statHelp }; } },
  tap: { summary: 'listen to the live requests of a resource\'s meshed pods', load: async () => { const m = await import('./viz-tap.js'); return { run: m.tapCommand, help: m.tapHelp }; } },
  'tap-server': { summary: 'serve the tap API, tapping the proxies over mutual TLS', load: async () => { const m = await import('./viz-tap-server.js'); return { run: m.tapServerCommand, help: m.tapServerHelp }; } },
  top: { summary: 'show live traffic of a resource aggregated by path (count, latency, success rate)', load: async () => { const m = await import('./viz-top.js'); return { run: m.topCommand, help: m.topHelp }; } },
  uninstall: { summary: 'print the viz extension\'s objects for kubectl delete', load: async () => { const m = await import('./viz-uninstall.js'); return { run: m.vizUninstallCommand, help: m.vizUninstallHelp }; } },
};

export const vizHelp = `Usage: sinew viz COMMAND [flags]

The observability extension: Prometheus, the metrics API, tap and the dashboard.

Commands:
${Object.entries(vizCommands).map(([name, { summary }]) => `  ${name.padEnd(13)} ${summary}`).join('\n')}

Run 'sinew viz COMMAND --help' for a command's flags.
`;

export async function vizCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    const entry = topic === undefined ? undefined : vizCommands[topic];
    io.out(entry === undefined ? vizHelp : (await entry.load()).help);
    return 0;
  }
  const entry = vizCommands[name];
  if (entry === undefined) throw new UsageError(`unknown viz command ${JSON.stringify(name)}; the commands are: ${Object.keys(vizCommands).join(', ')}`);
  const { run } = await entry.load();
  return run(rest, io);
}
