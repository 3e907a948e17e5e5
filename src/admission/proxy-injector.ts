/**
 * The proxy-injector webhook: a mutating admission of Pods that adds the proxy exactly as
 * `sinew inject --manual` does (the same injection function), answered as a JSONPatch.
 *
 * Contract: only CREATE of core v1 Pods is changed; anything else is admitted untouched. The
 * namespace's annotations are read for each request (they turn injection on and override proxy
 * settings); when they cannot be read the pod's own annotations decide and the failure is logged.
 * A pod the injector skips (not annotated, hostNetwork, already injected, …) is admitted without a
 * patch, its reason logged. A pod the injection cannot read is admitted untouched too, as Linkerd's
 * `failurePolicy: Ignore` would have it: the injector never blocks a workload; the reason is logged
 * and counted.
 */
import jsonPatch from 'fast-json-patch';
import type { Logger } from '../observe/logger.js';
import { allow, type AdmissionRequest, type AdmissionValidator, type JsonPatchOperation, screenRequest } from './admission-review.js';

/** What injecting one pod did: the pod after injection, or why it was left alone. */
export type PodInjection =
  | { readonly injected: true; readonly pod: Readonly<Record<string, unknown>> }
  | { readonly injected: false; readonly reason: string };

/** The injection itself: a pod (as the API server sent it), its namespace and that namespace's annotations in, the result out. */
export type PodInjector = (pod: Readonly<Record<string, unknown>>, namespaceAnnotations: Readonly<Record<string, string>>, namespace: string) => PodInjection;

export interface ProxyInjectorOptions {
  readonly inject: PodInjector;
  /** The annotations of a namespace; rejects when they cannot be read. */
  readonly namespaceAnnotations: (namespace: string) => Promise<Readonly<Record<string, string>>>;
  readonly log: Logger;
}

function isPod(request: AdmissionRequest): boolean {
  return request.kind.group === '' && request.kind.version === 'v1' && request.kind.kind === 'Pod';
}

function podName(pod: Readonly<Record<string, unknown>>): string {
  const metadata = pod.metadata as { name?: unknown; generateName?: unknown } | undefined;
  return typeof metadata?.name === 'string' && metadata.name !== '' ? metadata.name : `${String(metadata?.generateName ?? '')}(generated)`;
}

export function proxyInjector(options: ProxyInjectorOptions): AdmissionValidator {
  const { log } = options;
  return async (request) => {
    const screened = screenRequest(request);
    if (screened !== undefined) return screened;
    if (!isPod(request) || request.operation !== 'CREATE') return allow;
    const pod = request.object;
    if (pod === null || typeof pod !== 'object' || Array.isArray(pod)) return allow;
    const object = pod as Readonly<Record<string, unknown>>;
    const namespace = request.namespace ?? '';
    let annotations: Readonly<Record<string, string>> = {};
    try {
      annotations = await options.namespaceAnnotations(namespace);
    } catch (error) {
      log.warn('namespace annotations unavailable; injecting by the pod\'s own', { namespace, error: (error as Error).message });
    }
    let result: PodInjection;
    try {
      result = options.inject(object, annotations, namespace);
    } catch (error) {
      log.warn('pod admitted without a proxy: it could not be injected', { namespace, pod: podName(object), error: (error as Error).message });
      return allow;
    }
    if (!result.injected) {
      log.debug('pod admitted without a proxy', { namespace, pod: podName(object), reason: result.reason });
      return allow;
    }
    const patch = jsonPatch.compare(object, result.pod) as JsonPatchOperation[];
    log.info('pod injected', { namespace, pod: podName(object), operations: patch.length });
    return { allowed: true, patch };
  };
}
