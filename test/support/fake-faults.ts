/**
 * Planned faults for requests that have not arrived yet: failing LISTs, failing WATCH starts and
 * stalls.
 *
 * Contract: deterministic counters, consumed in request arrival order. `failLists(r, s, n)` makes
 * exactly the next `n` LISTs of `r` fail with `s`; a later call for the same resource replaces the
 * earlier plan. A stall armed with `stallNext` applies to exactly one request. Faults already
 * acting on open watches (cut, expire, malformed lines) live in the watch hub, not here.
 */
import type { ResourceId } from '../../src/informers/object.js';

export type ListFailure = 403 | 429 | 500 | 410;
export type WatchStartFailure = 410 | 500;
export type StallableVerb = 'list' | 'watch';

interface Planned<S> {
  readonly status: S;
  remaining: number;
}

export class FaultPlan {
  private readonly lists = new Map<ResourceId, Planned<ListFailure>>();
  private readonly watchStarts = new Map<ResourceId, Planned<WatchStartFailure>>();
  private readonly stalls = new Map<string, number>();

  failLists(resource: ResourceId, status: ListFailure, times: number): void {
    this.lists.set(resource, { status, remaining: times });
  }

  failWatchStarts(resource: ResourceId, status: WatchStartFailure, times: number): void {
    this.watchStarts.set(resource, { status, remaining: times });
  }

  stallNext(resource: ResourceId, verb: StallableVerb): void {
    const key = stallKey(resource, verb);
    this.stalls.set(key, (this.stalls.get(key) ?? 0) + 1);
  }

  /** The status this LIST must fail with, consuming one planned failure; undefined to serve it. */
  takeListFailure(resource: ResourceId): ListFailure | undefined {
    return take(this.lists, resource);
  }

  takeWatchStartFailure(resource: ResourceId): WatchStartFailure | undefined {
    return take(this.watchStarts, resource);
  }

  /** True if this request must stall, consuming the armed stall. */
  takeStall(resource: ResourceId, verb: StallableVerb): boolean {
    const key = stallKey(resource, verb);
    const armed = this.stalls.get(key) ?? 0;
    if (armed === 0) return false;
    if (armed === 1) this.stalls.delete(key);
    else this.stalls.set(key, armed - 1);
    return true;
  }
}

function stallKey(resource: ResourceId, verb: StallableVerb): string {
  return `${verb} ${resource}`;
}

function take<S>(plans: Map<ResourceId, Planned<S>>, resource: ResourceId): S | undefined {
  const plan = plans.get(resource);
  if (plan === undefined || plan.remaining <= 0) return undefined;
  plan.remaining -= 1;
  if (plan.remaining === 0) plans.delete(resource);
  return plan.status;
}
