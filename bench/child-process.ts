/**
 * Benchmarks that must start from a fresh process (memory, restart, a pinned CPU) run themselves
 * as a child: the parent spawns `node [flags] <bench file> <args>`, the child prints one
 * `BENCH_REPORT {json}` line of numbers, and the parent checks its shape. Measures nothing itself.
 *
 * The report is a flat record of numbers or arrays of numbers; anything else is an error, so a
 * child that crashed or printed garbage never turns into a row of BENCHMARKS.md.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export type ChildReport = Readonly<Record<string, number | readonly number[]>>;

const marker = 'BENCH_REPORT ';

export interface ChildOptions {
  readonly nodeFlags?: readonly string[];
  /** Pins the child (and its threads) to one CPU with taskset, when taskset exists. */
  readonly pinCpu?: number;
  readonly timeoutMs?: number;
}

/** Whether the module at `moduleUrl` is the process's entry point (run as a child). */
export function isEntryPoint(moduleUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && fileURLToPath(moduleUrl) === fs.realpathSync(entry);
}

export function tasksetAvailable(): boolean {
  return fs.existsSync('/usr/bin/taskset') || fs.existsSync('/bin/taskset');
}

export function runChild(moduleUrl: string, args: readonly string[], options: ChildOptions = {}): Promise<ChildReport> {
  const nodeArgs = [...(options.nodeFlags ?? []), fileURLToPath(moduleUrl), ...args];
  const pinned = options.pinCpu !== undefined && tasksetAvailable();
  const command = pinned ? 'taskset' : process.execPath;
  const argv = pinned ? ['-c', String(options.pinCpu), process.execPath, ...nodeArgs] : nodeArgs;
  return new Promise((resolve, reject) => {
    execFile(command, argv, { timeout: options.timeoutMs ?? 150_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) return reject(new Error(`${command} ${argv.join(' ')} failed: ${error.message}\n${stderr}`));
      const line = stdout.split('\n').reverse().find((text) => text.startsWith(marker));
      if (line === undefined) return reject(new Error(`the child printed no report:\n${stdout}\n${stderr}`));
      try {
        resolve(checkReport(JSON.parse(line.slice(marker.length))));
      } catch (parseError) {
        reject(parseError);
      }
    });
  });
}

/** Child side: prints the report for the parent. */
export function report(values: ChildReport): void {
  process.stdout.write(marker + JSON.stringify(values) + '\n');
}

function checkReport(value: unknown): ChildReport {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('a child report must be an object');
  const out: Record<string, number | readonly number[]> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry === 'number' || (Array.isArray(entry) && entry.every((item) => typeof item === 'number'))) {
      out[key] = entry as number | number[];
    } else {
      throw new Error(`child report field ${JSON.stringify(key)} is not a number or a list of numbers`);
    }
  }
  return out;
}

export function numberOf(values: ChildReport, key: string): number {
  const value = values[key];
  if (typeof value !== 'number') throw new Error(`child report has no number ${JSON.stringify(key)}`);
  return value;
}

export function numbersOf(values: ChildReport, key: string): readonly number[] {
  const value = values[key];
  if (value === undefined || typeof value === 'number') throw new Error(`child report has no list ${JSON.stringify(key)}`);
  return value;
}
