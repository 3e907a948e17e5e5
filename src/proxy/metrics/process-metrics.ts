/**
 * Process metrics under the usual Prometheus names: `process_start_time_seconds`,
 * `process_cpu_seconds_total`, `process_resident_memory_bytes`, `process_virtual_memory_bytes`,
 * `process_open_fds`, `process_max_fds` and `process_threads`.
 *
 * Contract: sampled when scraped, never on the data path. Start time, CPU and resident memory come
 * from Node and are always present; the rest is read from /proc/self (stat, fd/, limits) and left
 * out when /proc is missing or unreadable (not Linux, a locked-down sandbox) — a sample never
 * throws.
 */
import { readdir, readFile } from 'node:fs/promises';
import { writeHeader, writeSample } from './prometheus-text.js';
import { noLabels } from './label-set.js';

export interface ProcessSample {
  readonly startTimeSeconds: number;
  readonly cpuSecondsTotal: number;
  readonly residentMemoryBytes: number;
  readonly virtualMemoryBytes?: number;
  readonly openFds?: number;
  readonly maxFds?: number;
  readonly threads?: number;
}

export interface ProcStat {
  readonly threads: number;
  readonly virtualMemoryBytes: number;
}

/** A sampler bound to this process's start time, computed once. */
export function processSampler(): () => Promise<ProcessSample> {
  const startTimeSeconds = Math.round(Date.now() - process.uptime() * 1000) / 1000;
  return async () => {
    const [stat, openFds, maxFds] = await Promise.all([
      readFile('/proc/self/stat', 'utf8').then(parseProcStat, () => undefined),
      readdir('/proc/self/fd').then((entries) => Math.max(0, entries.length - 1), () => undefined),
      readFile('/proc/self/limits', 'utf8').then(parseMaxOpenFiles, () => undefined),
    ]);
    const cpu = process.cpuUsage();
    return {
      startTimeSeconds,
      cpuSecondsTotal: (cpu.user + cpu.system) / 1e6,
      residentMemoryBytes: process.memoryUsage.rss(),
      virtualMemoryBytes: stat?.virtualMemoryBytes,
      openFds,
      maxFds,
      threads: stat?.threads,
    };
  };
}

/**
 * Threads (field 20) and virtual memory size (field 23) from /proc/<pid>/stat. The command name
 * (field 2) is in parentheses and may hold spaces and parentheses, so fields are counted from the
 * last ')'.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const end = text.lastIndexOf(')');
  if (end < 0) return undefined;
  const fields = text.slice(end + 1).trim().split(/\s+/);
  const threads = Number(fields[20 - 3]);
  const virtualMemoryBytes = Number(fields[23 - 3]);
  if (!Number.isFinite(threads) || !Number.isFinite(virtualMemoryBytes)) return undefined;
  return { threads, virtualMemoryBytes };
}

/** The soft limit of "Max open files" from /proc/<pid>/limits; Infinity when unlimited. */
export function parseMaxOpenFiles(text: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  if (soft === undefined) return undefined;
  if (soft === 'unlimited') return Infinity;
  const value = Number(soft);
  return Number.isFinite(value) ? value : undefined;
}

export function writeProcessMetrics(out: string[], sample: ProcessSample): void {
  const metric = (name: string, help: string, value: number | undefined, type: 'gauge' | 'counter' = 'gauge'): void => {
    if (value === undefined) return;
    writeHeader(out, name, help, type);
    writeSample(out, name, noLabels, value);
  };
  metric('process_start_time_seconds', 'When the process started, in seconds since the Unix epoch', sample.startTimeSeconds);
  metric('process_cpu_seconds_total', 'User and system CPU time spent, in seconds', sample.cpuSecondsTotal, 'counter');
  metric('process_resident_memory_bytes', 'Resident memory size in bytes', sample.residentMemoryBytes);
  metric('process_virtual_memory_bytes', 'Virtual memory size in bytes', sample.virtualMemoryBytes);
  metric('process_open_fds', 'Open file descriptors', sample.openFds);
  metric('process_max_fds', 'Most file descriptors the process may open', sample.maxFds);
  metric('process_threads', 'Operating-system threads in the process', sample.threads);
}
