/**
 * The demo's control plane: `sinew control-plane` as a child process with destination, policy and
 * identity, replaying the demo's event log at its own pace, its TokenReviews answered by the
 * demo's token review server, every listener on 127.0.0.1 with a port of the kernel's choice.
 *
 * Contract: `startControlPlane` resolves once the process logged that it started, with the ports
 * it chose; it rejects with ControlPlaneStartError (and the process's output) when the process
 * exits first or does not start within the time limit. The child is registered with `children`
 * before anything is awaited, so it is stopped with the rest on every exit path.
 */
import type { Child, ChildProcesses } from './child-processes.js';

export interface ControlPlaneFiles {
  readonly eventLog: string;
  readonly kubeconfig: string;
  readonly issuerDir: string;
  readonly trustAnchorsFile: string;
}

export interface RunningControlPlane {
  readonly child: Child;
  readonly destinationPort: number;
  readonly policyPort: number;
  readonly identityPort: number;
  /** When it logged that it started: its replay clock started just before. */
  readonly startedAt: number;
}

export class ControlPlaneStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlPlaneStartError';
  }
}

export function controlPlaneArgs(files: ControlPlaneFiles, replaySpeed: number): string[] {
  return [
    'control-plane', '--components', 'destination,policy,identity',
    '--source', `replay:${files.eventLog}`, '--replay-speed', String(replaySpeed), '--kubeconfig', files.kubeconfig,
    '--admin-addr', '127.0.0.1:0', '--destination-addr', '127.0.0.1:0', '--policy-addr', '127.0.0.1:0', '--identity-addr', '127.0.0.1:0',
    '--identity-issuer-dir', files.issuerDir, '--identity-trust-anchors-file', files.trustAnchorsFile,
    '--cluster-networks', '127.0.0.0/8',
  ];
}

const startedLine = /control plane started[^\n]*\n/;

function portOf(line: string, name: string): number | undefined {
  const match = new RegExp(`\\b${name}=[^\\s]*:(\\d+)`).exec(line);
  return match === null ? undefined : Number(match[1]);
}

export async function startControlPlane(children: ChildProcesses, sinewBin: string, files: ControlPlaneFiles, options: {
  readonly replaySpeed: number; readonly timeoutMs: number;
}): Promise<RunningControlPlane> {
  let stderr: string | undefined = '';
  let announce: (line: string) => void = () => undefined;
  const announced = new Promise<string>((resolve) => { announce = resolve; });
  const child = children.spawn('control plane', process.execPath, [sinewBin, ...controlPlaneArgs(files, options.replaySpeed)], {
    env: { PATH: process.env.PATH ?? '' },
    onStderr: (text) => {
      if (stderr === undefined) return;
      stderr += text;
      const match = startedLine.exec(stderr);
      if (match === null) return;
      stderr = undefined;
      announce(match[0]);
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const line = await Promise.race([
    announced,
    child.exited.then((code) => { throw new ControlPlaneStartError(`the control plane exited (code ${code}) before it started:\n${child.output()}`); }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ControlPlaneStartError(`the control plane did not start within ${options.timeoutMs} ms:\n${child.output()}`)), options.timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
  const ports = { destination: portOf(line, 'destination'), policy: portOf(line, 'policy'), identity: portOf(line, 'identity') };
  if (ports.destination === undefined || ports.policy === undefined || ports.identity === undefined) {
    throw new ControlPlaneStartError(`the control plane's start-up line names no destination, policy and identity ports: ${line}`);
  }
  return { child, destinationPort: ports.destination, policyPort: ports.policy, identityPort: ports.identity, startedAt: Date.now() };
}
