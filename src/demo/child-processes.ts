/**
 * Every process the demo starts, kept in one place so that none outlives the demo.
 *
 * Contract:
 * - `spawn` records the child before it returns; a child that exits is forgotten.
 * - `stop(child, graceMs)` sends SIGTERM, then SIGKILL if it is still running after `graceMs`, and
 *   resolves once it has exited. `stopAll` does that for every child at once.
 * - `killAllNow()` is synchronous (SIGKILL to every live child), for a process `exit` handler:
 *   the last resort when the demo ends by an exception.
 * - Where util-linux's `setpriv` is on the PATH (Debian and most Linux distributions), children
 *   run under `setpriv --pdeathsig KILL`, so the kernel kills them even when the demo itself is
 *   killed with SIGKILL; the child's pid is the same (setpriv execs the command).
 * - Each child leads its own process group, so a terminal's Ctrl-C reaches the demo alone, which
 *   then stops the children in order.
 * - A child's output is kept (the last 64 KiB) for error messages, and written to a file per child
 *   when a log directory is given; `onLine` sees each stdout line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const keptOutput = 64 * 1024;

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) once its output has been read. */
  readonly exited: Promise<number | null>;
  /** What it printed on stdout and stderr so far (the last 64 KiB). */
  output(): string;
}

export interface SpawnOptions {
  readonly env: Readonly<Record<string, string>>;
  readonly onLine?: (line: string) => void;
  /** Called on stderr text as it arrives (a child's start-up line). */
  readonly onStderr?: (text: string) => void;
}

export class ChildStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChildStartError';
  }
}

function findOnPath(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, program);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function supportsPdeathsig(setpriv: string | undefined): boolean {
  return setpriv !== undefined && process.platform === 'linux';
}

export class ChildProcesses {
  private readonly live = new Set<Child>();
  private readonly setpriv = findOnPath('setpriv');

  /** With `logDir`, each child's output is also appended to `<logDir>/<name>.log`. */
  constructor(private readonly logDir?: string) {}

  spawn(name: string, command: string, args: readonly string[], options: SpawnOptions): Child {
    const [program, argv] = supportsPdeathsig(this.setpriv)
      ? [this.setpriv as string, ['--pdeathsig', 'KILL', '--', command, ...args]]
      : [command, [...args]];
    // Its own process group: a Ctrl-C in the terminal reaches the demo, which stops children in order.
    const child = spawn(program, argv, { env: { ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    if (child.pid === undefined) throw new ChildStartError(`cannot start ${name} (${command})`);
    let output = '';
    const file = this.logDir === undefined ? undefined : fs.createWriteStream(path.join(this.logDir, `${name.replace(/[^a-zA-Z0-9.-]+/g, '-')}.log`), { flags: 'a' });
    file?.on('error', () => undefined);
    const keep = (text: string): void => {
      output = (output + text).slice(-keptOutput);
      file?.write(text);
    };
    let partial = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      keep(chunk);
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) options.onLine?.(line);
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      keep(chunk);
      options.onStderr?.(chunk);
    });
    // 'close', not 'exit': by then everything the child printed has been read (a final report too).
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => {
      file?.end();
      resolve(code);
    }));
    const entry: Child = { name, pid: child.pid, process: child, exited, output: () => output };
    this.live.add(entry);
    void exited.then(() => this.live.delete(entry));
    return entry;
  }

  async stop(child: Child, graceMs: number): Promise<void> {
    if (!this.live.has(child)) return;
    child.process.kill('SIGTERM');
    const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
    await child.exited;
    clearTimeout(timer);
  }

  async stopAll(graceMs: number): Promise<void> {
    await Promise.all([...this.live].map((child) => this.stop(child, graceMs)));
  }

  killAllNow(): void {
    for (const child of this.live) child.process.kill('SIGKILL');
  }

  /** The pids of the children still running. */
  pids(): number[] {
    return [...this.live].map((child) => child.pid);
  }
}
