/** The viz query commands' shared rule: a resource argument or query that cannot be used is a usage error (exit 2). */
import { BadQueryError } from '../viz/metrics-api-types.js';
import { ResourceArgError } from '../viz/resource-args.js';
import { UsageError } from './usage-error.js';

export function queryUsage<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ResourceArgError || error instanceof BadQueryError) throw new UsageError(error.message);
    throw error;
  }
}
