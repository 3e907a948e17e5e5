/** A flag that names a Kubernetes namespace: undefined when not given, else a DNS label or a UsageError naming the flag. */
import { isDnsLabel } from '../identity/identity-name.js';
import { UsageError } from './usage-error.js';

export function namespaceFlag(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && !isDnsLabel(value)) throw new UsageError(`${flag} must be a DNS label; got ${JSON.stringify(value)}`);
  return value;
}
