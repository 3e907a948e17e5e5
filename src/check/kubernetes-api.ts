/**
 * kubernetes-api: can the CLI build a client from the kubeconfig, and does the API server answer?
 * Both are fatal: nothing else can be checked without them.
 */
import type { Category } from './checker.js';
import { type CheckFacts, need } from './check-facts.js';
import type { ClusterReader } from './cluster-reader.js';
import { parseAs, paths, versionInfoSchema } from './resources.js';

export function kubernetesApiChecks(facts: CheckFacts, connect: () => ClusterReader): Category {
  return {
    id: 'kubernetes-api',
    checkers: [
      {
        description: 'can initialize the client', hintAnchor: 'k8s-api', fatal: true,
        run: async () => {
          facts.client = connect();
        },
      },
      {
        description: 'can query the Kubernetes API', hintAnchor: 'k8s-api', fatal: true,
        run: async (signal) => {
          const answer = await need(facts.client, 'the API client').get(paths.version, signal);
          if (answer === undefined) throw new Error('the API server has no /version');
          facts.kubeVersion = parseAs(versionInfoSchema, answer, 'the API server version');
        },
      },
    ],
  };
}
