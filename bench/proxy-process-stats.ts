/**
 * What the proxy benchmark reads about a running process from /proc: its CPU time (utime + stime
 * of /proc/PID/stat, every thread included, in seconds at the kernel's clock-tick resolution) and
 * its resident set (VmRSS of /proc/PID/status, in bytes). Both throw a clear error naming the
 * process when it is gone. Measures nothing itself.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

function readProc(pid: number, file: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch (error) {
    throw new Error(`cannot read /proc/${pid}/${file} (has the process exited?): ${(error as Error).message}`, { cause: error });
  }
}

export function cpuSeconds(pid: number): number {
  const fields = readProc(pid, 'stat').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readProc(pid, 'status'));
  if (match === null) throw new Error(`/proc/${pid}/status has no VmRSS line`);
  return Number(match[1]) * 1024;
}
