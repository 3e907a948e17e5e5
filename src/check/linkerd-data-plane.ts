/**
 * linkerd-data-plane (with `--proxy`): the injected pods of one namespace (or all). Are their
 * proxies running and ready, and do they run the CLI's version? And linkerd-identity-data-plane:
 * do their proxies trust the anchors the control plane now has (a pod started before a trust
 * rotation keeps the old bundle until it restarts)?
 */
import type { Category } from './checker.js';
import { type CheckFacts, type CheckOptions, need } from './check-facts.js';
import type { ClusterReader } from './cluster-reader.js';
import { controlPlaneNsLabel, proxyContainerName, proxyVersionAnnotation, trustAnchorsEnv, trustRootsConfigMap, trustRootsKey } from './control-plane-names.js';
import { listPods } from './linkerd-existence.js';
import { checkNamespace } from './namespace-check.js';
import { proxyContainer, proxyReady } from './pod-readiness.js';
import { configMapSchema, parseAs, paths, type Pod } from './resources.js';
import { sameVersion } from './server-version.js';

async function dataPlanePods(client: ClusterReader, options: CheckOptions, signal: AbortSignal): Promise<Pod[]> {
  const pods = await listPods(client, options.dataPlaneNamespace, signal, `${controlPlaneNsLabel}=${options.controlPlaneNamespace}`);
  return pods.filter((pod) => proxyContainer(pod) !== undefined);
}

function podName(pod: Pod, options: CheckOptions): string {
  return options.dataPlaneNamespace === undefined ? `${pod.metadata.namespace ?? ''}/${pod.metadata.name}` : pod.metadata.name;
}

export function checkProxiesReady(pods: readonly Pod[], namespace: string | undefined): void {
  if (pods.length === 0) {
    throw new Error(`No "${proxyContainerName}" containers found${namespace === undefined ? '' : ` in the "${namespace}" namespace`}`);
  }
  for (const pod of pods) {
    const phase = pod.status?.phase;
    if (phase !== 'Running' && pod.status?.reason !== 'Evicted') throw new Error(`The "${pod.metadata.name}" pod is not running`);
    if (!proxyReady(pod)) throw new Error(`The "${proxyContainerName}" container in the "${pod.metadata.name}" pod is not ready`);
  }
}

/** The proxy's version: the injector's annotation, else the tag of the proxy image. */
export function proxyVersion(pod: Pod): string | undefined {
  const annotated = pod.metadata.annotations?.[proxyVersionAnnotation];
  if (annotated !== undefined && annotated !== '') return annotated;
  const image = proxyContainer(pod)?.image;
  const tag = image === undefined ? undefined : /:([^:/@]+)(@.*)?$/.exec(image)?.[1];
  return tag;
}

export function checkProxyVersions(pods: readonly Pod[], cliVersion: string): void {
  for (const pod of pods) {
    const version = proxyVersion(pod) ?? 'unknown';
    if (!sameVersion(version, cliVersion)) throw new Error(`${pod.metadata.name} running ${version} but cli running ${cliVersion}`);
  }
}

export function linkerdDataPlaneChecks(options: CheckOptions, facts: CheckFacts): Category {
  const client = () => need(facts.client, 'the API client');
  return {
    id: 'linkerd-data-plane',
    checkers: [
      {
        description: 'data plane namespace exists', hintAnchor: 'l5d-data-plane-exists', fatal: true,
        run: async (signal) => {
          if (options.dataPlaneNamespace !== undefined) await checkNamespace(client(), options.dataPlaneNamespace, true, signal);
        },
      },
      {
        description: 'data plane proxies are ready', hintAnchor: 'l5d-data-plane-ready', fatal: true, retry: true,
        run: async (signal) => checkProxiesReady(await dataPlanePods(client(), options, signal), options.dataPlaneNamespace),
      },
      {
        description: 'data plane and cli versions match', hintAnchor: 'l5d-data-plane-cli-version', warning: true,
        run: async (signal) => checkProxyVersions(await dataPlanePods(client(), options, signal), options.cliVersion),
      },
    ],
  };
}

export function linkerdIdentityDataPlaneChecks(options: CheckOptions, facts: CheckFacts): Category {
  return {
    id: 'linkerd-identity-data-plane',
    checkers: [{
      description: 'data plane proxies certificate match CA', hintAnchor: 'l5d-identity-data-plane-proxies-certs-match-ca', warning: true,
      run: async (signal) => {
        const client = need(facts.client, 'the API client');
        const roots = await client.get(paths.configMap(options.controlPlaneNamespace, trustRootsConfigMap), signal);
        const bundle = roots === undefined ? undefined : parseAs(configMapSchema, roots, `configmap ${trustRootsConfigMap}`).data?.[trustRootsKey];
        if (bundle === undefined) throw new Error(`configmaps "${trustRootsConfigMap}" has no ${trustRootsKey}`);
        const stale = (await dataPlanePods(client, options, signal)).filter((pod) => {
          const env = proxyContainer(pod)?.env?.find((e) => e.name === trustAnchorsEnv)?.value;
          return env !== undefined && env.trim() !== bundle.trim();
        });
        if (stale.length > 0) {
          throw new Error(`Some pods do not have the current trust bundle and must be restarted:\n\t${stale.map((pod) => `* ${podName(pod, options)}`).join('\n\t')}`);
        }
      },
    }],
  };
}
