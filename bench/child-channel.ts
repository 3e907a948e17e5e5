/**
 * Benchmarks whose processes must talk while they run (a server child and a client child, driven
 * step by step by the parent) use a command channel: the parent spawns `node [flags] <bench file>
 * <args>` (pinned to one CPU with taskset when asked and present) with a Node IPC channel, sends
 * one command at a time and waits, bounded in time, for the child's one answer: a flat record of
 * numbers, checked like `child-process.ts` checks its reports. Measures nothing itself.
 *
 * The child side (`serveCommands`) handles commands one at a time, in order; a handler that throws
 * answers with its error, which the parent raises. `close` asks the child to stop and kills it
 * (by its pid) if it has not exited within a few seconds. A child that dies fails every pending
 * and later command with the tail of its stderr.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildReport } from './child-process.js';
import { tasksetAvailable } from './child-process.js';

export type CommandValue = string | number | boolean | readonly number[];
export type Command = { readonly type: string } & Readonly<Record<string, CommandValue>>;

export interface ChildChannel {
  /** Sends `command`; resolves with the child's answer, or rejects after `timeoutMs`. */
  ask(command: Command, timeoutMs?: number): Promise<ChildReport>;
  /** Sends `stop` and waits for the child to exit; kills it if it lingers. Never rejects. */
  close(): Promise<void>;
}

export interface ChannelOptions {
  readonly nodeFlags?: readonly string[];
  readonly pinCpu?: number;
}

interface Pending {
  resolve(values: ChildReport): void;
  reject(error: Error): void;
}

export function startChild(moduleUrl: string, args: readonly string[], options: ChannelOptions = {}): ChildChannel {
  const nodeArgs = [...(options.nodeFlags ?? []), fileURLToPath(moduleUrl), ...args];
  const pinned = options.pinCpu !== undefined && tasksetAvailable();
  const child = pinned
    ? spawn('taskset', ['-c', String(options.pinCpu), process.execPath, ...nodeArgs], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
    : spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let stderr = '';
  child.stdout?.resume();
  child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString('utf8')).slice(-4000); });
  let pending: Pending | undefined;
  let exited: Error | undefined;
  const exit = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    exited = new Error(`bench child ${fileURLToPath(moduleUrl)} exited (code ${code}, signal ${signal}):\n${stderr}`);
    pending?.reject(exited);
    pending = undefined;
    resolve();
  }));
  child.on('message', (message: unknown) => {
    const answer = pending;
    pending = undefined;
    if (answer === undefined) return;
    try {
      answer.resolve(checkAnswer(message));
    } catch (error) {
      answer.reject(error as Error);
    }
  });
  return {
    ask(command, timeoutMs = 60_000) {
      if (exited !== undefined) return Promise.reject(exited);
      if (pending !== undefined) return Promise.reject(new Error(`${command.type}: a command is already waiting`));
      return new Promise<ChildReport>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending = undefined;
          reject(new Error(`the child did not answer ${JSON.stringify(command.type)} within ${timeoutMs} ms:\n${stderr}`));
        }, timeoutMs);
        pending = {
          resolve: (values) => { clearTimeout(timer); resolve(values); },
          reject: (error) => { clearTimeout(timer); reject(error); },
        };
        child.send(command);
      });
    },
    async close() {
      if (exited === undefined && child.connected) child.send({ type: 'stop' });
      await stopWithin(child, exit, 5000);
    },
  };
}

async function stopWithin(child: ChildProcess, exit: Promise<void>, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const lingered = await Promise.race([
    exit.then(() => false),
    new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), graceMs); }),
  ]);
  clearTimeout(timer);
  if (lingered && child.pid !== undefined) {
    child.kill('SIGKILL');
    await exit;
  }
}

function checkAnswer(message: unknown): ChildReport {
  if (message === null || typeof message !== 'object') throw new Error('a child answer must be an object');
  const { error, values } = message as { error?: unknown; values?: unknown };
  if (typeof error === 'string') throw new Error(`the child failed: ${error}`);
  if (values === null || typeof values !== 'object' || Array.isArray(values)) throw new Error('a child answer carries no values');
  const out: Record<string, number | readonly number[]> = {};
  for (const [key, entry] of Object.entries(values)) {
    if (typeof entry === 'number' || (Array.isArray(entry) && entry.every((item) => typeof item === 'number'))) {
      out[key] = entry as number | number[];
    } else {
      throw new Error(`child answer field ${JSON.stringify(key)} is not a number or a list of numbers`);
    }
  }
  return out;
}

export type CommandHandlers = Readonly<Record<string, (command: Readonly<Record<string, unknown>>) => Promise<ChildReport> | ChildReport>>;

/**
 * Child side: answers the parent's commands one at a time, in order. `stop` runs the `stop`
 * handler if there is one, then disconnects and exits.
 */
export function serveCommands(handlers: CommandHandlers): void {
  let chain = Promise.resolve();
  process.on('message', (message: unknown) => {
    chain = chain.then(() => answer(handlers, message));
  });
  process.on('disconnect', () => process.exit(0));
}

async function answer(handlers: CommandHandlers, message: unknown): Promise<void> {
  const command = (message !== null && typeof message === 'object' ? message : {}) as Readonly<Record<string, unknown>>;
  const type = typeof command.type === 'string' ? command.type : '';
  const handler = handlers[type];
  try {
    if (handler === undefined && type !== 'stop') throw new Error(`unknown command ${JSON.stringify(type)}`);
    const values = handler === undefined ? {} : await handler(command);
    if (type === 'stop') {
      process.disconnect();
      process.exit(0);
    }
    process.send?.({ values });
  } catch (error) {
    process.send?.({ error: error instanceof Error ? error.stack ?? error.message : String(error) });
    if (type === 'stop') process.exit(1);
  }
}

/** Reads a number field of a command, or fails. */
export function numberField(command: Readonly<Record<string, unknown>>, key: string): number {
  const value = command[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`command ${String(command.type)} needs a number ${JSON.stringify(key)}`);
  return value;
}
