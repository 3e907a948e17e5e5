/**
 * Linkerd's check that a Server does not claim a port another Server in its namespace already
 * claims for the same pods: same port (a number and a name never match, as in Linkerd), and
 * selectors that can select the same workloads (either selects everything, or both are equal).
 *
 * Pure: the other Servers come from a lookup the caller supplies (the store, in the control plane);
 * invalid ones are skipped, as they select nothing. Linkerd lists them from the API server to be
 * sure it is up to date; a store lookup may lag by a watch event, so two Servers created at once
 * can both be admitted (the reconcilers must still pick one deterministically).
 */
import { isInvalid } from '../informers/fail-closed.js';
import type { LabelSelector, Server, ValidServer } from '../informers/kinds/server.js';
import { type Problem, problemAt } from './problems.js';

/** The Servers in a namespace, as the store holds them. */
export type ServerLookup = (namespace: string) => Iterable<Server> | Promise<Iterable<Server>>;

type ServerSpec = ValidServer['spec'];

function selectsAll(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

/** The selector as a comparable text: labels in key order, expressions as written. */
function selectorKey(selector: LabelSelector): string {
  const labels = Object.entries(selector.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([labels, selector.matchExpressions ?? []]);
}

function selectorsOverlap(left: ServerSpec, right: ServerSpec): boolean {
  for (const field of ['podSelector', 'externalWorkloadSelector'] as const) {
    const a = left[field];
    const b = right[field];
    if (a === undefined || b === undefined) continue;
    return selectsAll(a) || selectsAll(b) || selectorKey(a) === selectorKey(b);
  }
  return false;
}

/** Problems with `spec` (of the Server `name` in `namespace`) given the namespace's other Servers. */
export function serverOverlapProblems(name: string | undefined, namespace: string, spec: ServerSpec, others: Iterable<Server>): Problem[] {
  for (const other of others) {
    if (isInvalid(other) || other.metadata.name === name || other.spec.port !== spec.port) continue;
    if (selectorsOverlap(other.spec, spec)) {
      return [problemAt(['spec', 'port'],
        `Server '${namespace}/${other.metadata.name}' already defines a policy for port ${String(spec.port)}, and selects pods that would be selected by this Server`)];
    }
  }
  return [];
}
