/**
 * kubernetes-version: is the cluster at least the oldest Kubernetes Sinew supports? Sinew reads
 * EndpointSlices v1 and native sidecars' restartPolicy, so 1.22 is the floor, as it is Linkerd's.
 */
import type { Category } from './checker.js';
import { type CheckFacts, need } from './check-facts.js';
import type { VersionInfo } from './resources.js';

export const minimumKubernetesVersion: readonly [number, number, number] = [1, 22, 0];

/** [major, minor, patch] from gitVersion (`v1.31.0-gke.1`), falling back to major and minor. */
export function versionNumbers(info: VersionInfo): [number, number, number] {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(info.gitVersion);
  if (match !== null) return [Number(match[1]), Number(match[2]), Number(match[3])];
  const major = Number.parseInt(info.major, 10);
  const minor = Number.parseInt(info.minor, 10);
  if (Number.isNaN(major) || Number.isNaN(minor)) throw new Error(`cannot read the Kubernetes version from ${JSON.stringify(info.gitVersion)}`);
  return [major, minor, 0];
}

function atLeast(actual: readonly number[], minimum: readonly number[]): boolean {
  for (let i = 0; i < minimum.length; i++) {
    const a = actual[i] ?? 0;
    const m = minimum[i] ?? 0;
    if (a !== m) return a > m;
  }
  return true;
}

export function checkKubernetesVersion(info: VersionInfo, minimum: readonly [number, number, number] = minimumKubernetesVersion): void {
  const actual = versionNumbers(info);
  if (!atLeast(actual, minimum)) {
    throw new Error(`Kubernetes is on version [${actual.join('.')}], but version [${minimum.join('.')}] or more recent is required`);
  }
}

export function kubernetesVersionChecks(facts: CheckFacts): Category {
  return {
    id: 'kubernetes-version',
    checkers: [{
      description: 'is running the minimum Kubernetes API version', hintAnchor: 'k8s-version',
      run: async () => checkKubernetesVersion(need(facts.kubeVersion, 'the Kubernetes version')),
    }],
  };
}
