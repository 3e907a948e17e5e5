/**
 * Runs one iptables program (optionally inside a network namespace through nsenter) and turns
 * its failures into FirewallErrors that name the program and the cause: not installed, not
 * permitted, or what the program itself said. Never a shell: arguments are passed as a list.
 */
import { spawn } from 'node:child_process';

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `argv` with `input` on its stdin; resolves with its output when it exits 0, else throws FirewallError. */
export type RunCommand = (argv: readonly string[], input?: string) => Promise<CommandResult>;

export type FirewallFailure = 'not-found' | 'not-permitted' | 'failed';

export class FirewallError extends Error {
  constructor(readonly failure: FirewallFailure, message: string) {
    super(message);
    this.name = 'FirewallError';
  }
}

const permissionWords = /permission denied|you must be root|operation not permitted|can't initialize iptables table/i;

/** The FirewallError for a program that exited non-zero with `stderr`. */
export function exitFailure(program: string, code: number | null, signal: string | null, stderr: string): FirewallError {
  const said = stderr.trim().split('\n').filter((line) => line.trim() !== '').slice(0, 3).join(' / ');
  if (/failed to execute .*No such file or directory/.test(stderr) || code === 127) {
    return new FirewallError('not-found', `${program} was not found (${said || 'exit 127'}): install the iptables package or choose the binaries with --iptables-mode or --firewall-bin-path`);
  }
  if (permissionWords.test(stderr)) {
    return new FirewallError('not-permitted', `${program} was not permitted to change the firewall (${said}): proxy-init needs root or the NET_ADMIN and NET_RAW capabilities`);
  }
  const how = signal === null ? `exit status ${String(code)}` : `signal ${signal}`;
  return new FirewallError('failed', `${program} failed with ${how}${said === '' ? '' : `: ${said}`}`);
}

function spawnFailure(program: string, error: NodeJS.ErrnoException): FirewallError {
  if (error.code === 'ENOENT') {
    return new FirewallError('not-found', `${program} was not found: install the iptables package or choose the binaries with --iptables-mode or --firewall-bin-path`);
  }
  if (error.code === 'EACCES') return new FirewallError('not-permitted', `${program} cannot be run: ${error.message}`);
  return new FirewallError('failed', `${program} could not be started: ${error.message}`);
}

/** A RunCommand that spawns the program, inside `netns` (a namespace file such as /var/run/netns/x) when given. */
export function spawnRunner(netns?: string): RunCommand {
  return (argv, input) => new Promise((resolve, reject) => {
    const program = argv[0] as string;
    const command = netns === undefined ? [...argv] : ['nsenter', `--net=${netns}`, '--', ...argv];
    const child = spawn(command[0] as string, command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // A program that exits before reading its input closes the pipe: its exit status tells why.
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => reject(spawnFailure(netns === undefined ? program : 'nsenter', error)));
    child.on('close', (code, signal) => {
      const result = { stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
      if (code === 0) resolve(result);
      else reject(exitFailure(program, code, signal, result.stderr));
    });
    child.stdin.end(input ?? '');
  });
}
