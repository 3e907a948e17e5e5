/**
 * What Linkerd's validator checks of a network's `except` list: each exception lies inside its
 * network and leaves some of it.
 *
 * Pure.
 */
import { networkContains, parseNetwork } from '../informers/ip-network.js';

/**
 * Why `except` is no exception to `cidr`, or undefined if it is one: it must lie inside the
 * network and leave some of it. Text that names no network is left to the schema.
 */
export function exceptionProblem(cidr: string, except: string): string | undefined {
  const network = parseNetwork(cidr);
  const exception = parseNetwork(except);
  if (network === undefined || exception === undefined) return undefined;
  if (networkContains(exception, network)) return `cidr '${cidr}' is completely negated by exception '${except}'`;
  if (!networkContains(network, exception)) return `cidr '${cidr}' does not include exception '${except}'`;
  return undefined;
}
