/**
 * Pod-spec injection and un-injection, shared by `sinew inject`/`uninject`, the proxy-injector
 * webhook and `sinew install`. The entry points:
 *
 * - `injectWorkload(object, options)`: one object in, the injected object and a report out.
 * - `injectAdmittedPod(pod, namespaceAnnotations, { mesh, createdBy, namespace })`: the webhook's
 *   decision for one Pod (`{ injected: true, pod }` or `{ injected: false, reason }`).
 * - `uninjectWorkload(object)`: removes exactly what injection added.
 * - `defaultMeshConfig({ controllerNamespace, trustDomain, trustAnchorsPem, proxy: {...} })`: the
 *   configuration to inject with; `createdBy('cli' | 'proxy-injector')` for `linkerd.io/created-by`.
 */
export { injectAdmittedPod, injectWorkload, InvalidObjectError } from './inject.js';
export type { AdmittedPodInjection, InjectOptions, InjectResult, Origin, Owner } from './inject.js';
export { uninjectWorkload } from './uninject.js';
export type { UninjectResult } from './uninject.js';
export { createdBy, defaultMeshConfig, defaultProxyConfig } from './proxy-config.js';
export type { InboundPolicy, MeshConfig, ProxyConfig } from './proxy-config.js';
export { skipReasonText } from './inject-report.js';
export type { InjectReport, SkipReason, UninjectReport } from './inject-report.js';
export { checkDocument } from './workload.js';
export type { JsonObject } from './workload.js';
