/**
 * `sinew proxy-await`: waits until the pod's proxy is ready (the classic layout's postStart hook,
 * as linkerd-await), optionally runs a command after, and optionally asks the proxy to shut down
 * once that command exits (for Jobs, whose pod ends only when every container does).
 */
import { spawn } from 'node:child_process';
import { requestShutdown, waitForReady, ProxyNotReadyError } from '../proxy/proxy-readiness.js';
import { parse } from './args.js';
import type { CommandIo } from './command-io.js';
import { duration } from './duration.js';
import { UsageError } from './usage-error.js';

export const proxyAwaitHelp = `Usage: sinew proxy-await [flags] [-- COMMAND [ARGS...]]

Waits until the proxy's admin server answers 200 on /ready, then runs COMMAND if one is given and
exits with its status. Exit status 1 when the proxy was not ready in time.

Flags:
      --port PORT        the proxy's admin port (default 4191)
      --timeout DURATION how long to wait, e.g. 2m or 30s (default 2m)
      --shutdown         after COMMAND exits, POST /shutdown to the proxy (it must have
                         LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED=true)
  -h, --help             show this help
`;

function runCommand(argv: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: 'inherit' });
    child.on('error', (error) => reject(new Error(`cannot run ${argv[0] as string}: ${error.message}`)));
    child.on('close', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}

export async function proxyAwaitCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const split = argv.indexOf('--');
  const own = split === -1 ? argv : argv.slice(0, split);
  const command = split === -1 ? [] : argv.slice(split + 1);
  const { values, positionals } = parse(own, {
    port: { type: 'string' }, timeout: { type: 'string' }, shutdown: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.out(proxyAwaitHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`put the command after --, as in: sinew proxy-await -- ${positionals.join(' ')}`);
  const port = values.port === undefined ? 4191 : Number(values.port);
  if (!/^\d{1,5}$/.test(values.port ?? '4191') || port < 1 || port > 65535) throw new UsageError(`--port must be a port from 1 to 65535; got ${JSON.stringify(values.port)}`);
  const timeoutMs = duration('--timeout', values.timeout, 120_000, 1);
  try {
    await waitForReady('127.0.0.1', port, timeoutMs);
  } catch (error) {
    if (!(error instanceof ProxyNotReadyError)) throw error;
    io.err(`sinew proxy-await: ${error.message}\n`);
    return 1;
  }
  if (command.length === 0) return 0;
  const status = await runCommand(command);
  if (values.shutdown === true) {
    const answer = await requestShutdown('127.0.0.1', port);
    if (answer !== 200 && answer !== 202) io.err(`sinew proxy-await: the proxy did not accept /shutdown (${answer === 0 ? 'unreachable' : `status ${answer}`})\n`);
  }
  return status;
}
