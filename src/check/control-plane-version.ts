/**
 * control-plane-version: can the installed control plane's version be read, and is it the CLI's?
 * A mismatch warns: an upgrade in progress is not a failure.
 */
import type { Category } from './checker.js';
import { type CheckFacts, type CheckOptions, need } from './check-facts.js';
import { readServerVersion, sameVersion } from './server-version.js';

export function controlPlaneVersionChecks(options: CheckOptions, facts: CheckFacts): Category {
  return {
    id: 'control-plane-version',
    checkers: [
      {
        description: 'can retrieve the control plane version', hintAnchor: 'l5d-version-control', fatal: true, retry: true,
        run: async (signal) => {
          facts.serverVersion = await readServerVersion(need(facts.client, 'the API client'), options.controlPlaneNamespace, signal);
        },
      },
      {
        description: 'control plane and cli versions match', hintAnchor: 'l5d-version-control', warning: true,
        run: async () => {
          const server = need(facts.serverVersion, 'the control plane version');
          if (!sameVersion(server, options.cliVersion)) throw new Error(`control plane running ${server} but cli running ${options.cliVersion}`);
        },
      },
    ],
  };
}
