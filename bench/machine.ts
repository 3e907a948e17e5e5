/**
 * The machine a benchmark ran on, as BENCHMARKS.md records it: CPU count (`nproc`), CPU model
 * (/proc/cpuinfo), RAM (/proc/meminfo), Node version, and the load average when the run started
 * (this machine is shared and noisy; the load says how much). Measures nothing itself.
 */
import fs from 'node:fs';
import os from 'node:os';

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly ramGiB: number;
  readonly node: string;
  readonly loadAverage: readonly number[];
}

export function describeMachine(): Machine {
  return {
    cpus: os.availableParallelism(),
    cpuModel: cpuModel(),
    ramGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100),
  };
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    return match?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  } catch (error) {
    return `${os.cpus()[0]?.model ?? 'unknown'} (/proc/cpuinfo: ${(error as Error).message})`;
  }
}

export function machineLine(machine: Machine): string {
  return `${machine.cpus} CPUs (nproc), ${machine.cpuModel}, ${machine.ramGiB} GiB RAM, Node ${machine.node}, `
    + `load average ${machine.loadAverage.join(' / ')} at start`;
}
