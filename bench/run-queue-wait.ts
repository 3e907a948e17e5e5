/**
 * How long this process's main thread (the JavaScript thread) has sat runnable but waiting for a
 * CPU, in milliseconds: Linux schedstat `run_delay` from /proc/self/schedstat. On a shared machine
 * this is the part of a wall time that other processes took: a latency that grows while CPU time
 * does not is contention, not Sinew. Other threads (LMDB's writer, libuv's pool) are left out, as
 * their waiting does not delay the JavaScript thread. Measures nothing itself; 0 where /proc has
 * no schedstat.
 */
import fs from 'node:fs';

export function runQueueWaitMs(): number {
  let text: string;
  try {
    text = fs.readFileSync('/proc/self/schedstat', 'utf8');
  } catch {
    return 0; // not Linux (or no schedstat): the benchmarks report no waiting
  }
  return Number(text.split(' ')[1] ?? 0) / 1e6;
}
