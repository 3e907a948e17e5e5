/**
 * Injection of whole objects: the API the CLI, the proxy-injector webhook and `sinew install` use.
 *
 * Contract: pure (no I/O, no clock); the object passed in is never changed. Idempotent: an object
 * injected once is skipped the second time (`sidecar_already_exists`), so
 * `injectWorkload(injectWorkload(x).object).object` deep-equals `injectWorkload(x).object`. An
 * object the injection cannot read throws `InvalidObjectError` naming the first problem.
 * Everything injection adds, `uninjectWorkload` removes (see uninject.ts).
 */
import { applyConfigAnnotations, isConfigAnnotation, mergeConfigAnnotations } from './config-annotations.js';
import { decide, type Origin } from './inject-decision.js';
import { injectPodTemplate, templateMetadata, withMetadataEntries } from './inject-pod-template.js';
import type { InjectReport } from './inject-report.js';
import { annotations, labels, proxyOwnerLabel } from './names.js';
import type { PodTemplate } from './pod-spec.js';
import type { MeshConfig } from './proxy-config.js';
import { ownerOfPod, type Owner } from './pod-owner.js';
import {
  at, checkDocument, InvalidObjectError, isWorkloadKind, metadataOf, nameOf, namespaceOf, podTemplatePath, selectorLabels, stringMapOf, withAt,
  type JsonObject, type WorkloadKind,
} from './workload.js';

export type { Origin } from './inject-decision.js';
export type { Owner } from './pod-owner.js';
export { InvalidObjectError } from './workload.js';

export interface InjectOptions {
  readonly mesh: MeshConfig;
  /** `manual`: the full sidecar. `annotate`: only `linkerd.io/inject: enabled`, for the webhook to act on. */
  readonly mode: 'manual' | 'annotate';
  /** `cli` injects unless the pod says `disabled`; `webhook` only when the pod or namespace says `enabled`. */
  readonly origin: Origin;
  /** The `linkerd.io/created-by` value, e.g. `sinew/cli v0.1.0` or `sinew/proxy-injector v0.1.0`. */
  readonly createdBy: string;
  /** The annotations of the object's namespace (the webhook reads them; the CLI has none). */
  readonly namespaceAnnotations?: Readonly<Record<string, string>>;
  /**
   * `config.linkerd.io/*` values that win over the object's own (the CLI's proxy flags). In
   * `annotate` mode they are written on the pod template for the webhook to read; in `manual` mode
   * they configure the sidecar and are not written.
   */
  readonly overrides?: Readonly<Record<string, string>>;
  /** For a Pod: the workload that owns it. Defaults to what its ownerReferences say. */
  readonly owner?: Owner;
  /** For a Pod whose `metadata.namespace` is unset (an admission review carries it beside the object). */
  readonly namespace?: string;
}

export interface InjectResult {
  /** The object after injection; the input itself when it was skipped. */
  readonly object: JsonObject;
  readonly report: InjectReport;
}

function report(object: JsonObject, namespace: string, rest: Omit<InjectReport, 'kind' | 'name' | 'namespace'>): InjectReport {
  return { kind: String(object['kind']).toLowerCase(), name: nameOf(object), namespace, ...rest };
}

function injectNamespace(object: JsonObject, options: InjectOptions): InjectResult {
  const metadata = metadataOf(object);
  const existing = stringMapOf(metadata['annotations']);
  if (existing[annotations.inject] === 'disabled') {
    return { object, report: report(object, '', { outcome: 'skipped', reasons: ['injection_disable_annotation_present'], udp: false, warnings: [] }) };
  }
  // The flags reach the namespace's pods through the webhook only in annotate mode; --manual writes no config.
  const added = { ...(options.mode === 'annotate' ? options.overrides ?? {} : {}), [annotations.inject]: 'enabled' };
  const injected = { ...object, metadata: { ...metadata, annotations: { ...existing, ...added } } };
  return { object: injected, report: report(object, '', { outcome: 'injected', reasons: [], udp: false, warnings: [] }) };
}

/** The labels an injected pod gets: the control plane's namespace and the workload it belongs to. */
function podLabels(object: JsonObject, kind: WorkloadKind, namespace: string, options: InjectOptions): Record<string, string> {
  const owner = kind === 'Pod' ? options.owner ?? ownerOfPod(object) : { kind, name: nameOf(object) };
  const result: Record<string, string> = { [labels.controlPlaneNs]: options.mesh.controllerNamespace };
  // A label value is at most 63 characters; a longer owner name would make the API server refuse the pod.
  if (owner !== undefined && owner.name.length <= 63) result[proxyOwnerLabel(owner.kind)] = owner.name;
  if (namespace !== '') result[labels.workloadNs] = namespace;
  // A label the selector uses keeps its value: the template must go on matching the selector.
  const selector = selectorLabels(object);
  return Object.fromEntries(Object.entries(result).filter(([key]) => !Object.hasOwn(selector, key)));
}

/** The namespace's config annotations the pod lacks, copied onto it (the webhook does this, as Linkerd's). */
function inheritedConfig(template: PodTemplate, workload: JsonObject, options: InjectOptions): Record<string, string> {
  if (options.origin !== 'webhook') return {};
  const own = { ...stringMapOf(metadataOf(workload)['annotations']), ...stringMapOf(templateMetadata(template)['annotations']) };
  const inherited: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.namespaceAnnotations ?? {})) {
    if (isConfigAnnotation(key) && !Object.hasOwn(own, key)) inherited[key] = value;
  }
  return inherited;
}

function injectTemplate(object: JsonObject, kind: WorkloadKind, template: PodTemplate, options: InjectOptions, namespace: string): InjectResult {
  const nsAnnotations = options.namespaceAnnotations ?? {};
  const decision = decide(template, options.origin, options.mode === 'manual', nsAnnotations);
  const base = { reasons: decision.reasons, udp: decision.udp };
  if (decision.reasons.length > 0) return { object, report: report(object, namespace, { outcome: 'skipped', ...base, warnings: [] }) };

  const path = podTemplatePath[kind];
  if (options.mode === 'annotate') {
    const added = { ...(options.overrides ?? {}), [annotations.inject]: decision.ingress ? 'ingress' : 'enabled' };
    const annotated = withMetadataEntries(template, 'annotations', added);
    return { object: withAt(object, path, annotated), report: report(object, namespace, { outcome: 'annotated', ...base, warnings: [] }) };
  }
  const config = mergeConfigAnnotations([
    nsAnnotations, stringMapOf(metadataOf(object)['annotations']), stringMapOf(templateMetadata(template)['annotations']), options.overrides,
  ]);
  const { proxy, warnings } = applyConfigAnnotations(options.mesh.proxy, config);
  const isComponent = Object.hasOwn(stringMapOf(templateMetadata(template)['labels']), labels.controlPlaneComponent);
  const injected = injectPodTemplate(template, {
    mesh: options.mesh,
    proxy,
    labels: podLabels(object, kind, namespace, options),
    extraAnnotations: inheritedConfig(template, object, options),
    createdBy: options.createdBy,
    component: isComponent && kind !== 'Pod' ? nameOf(object) : '',
    ingress: decision.ingress,
  });
  return { object: withAt(object, path, injected), report: report(object, namespace, { outcome: 'injected', ...base, warnings }) };
}

/**
 * Injects one Kubernetes object: a workload's pod template (Deployment, DaemonSet, StatefulSet,
 * ReplicaSet, ReplicationController, Job, CronJob) or a Pod gets the sidecar (`manual`) or the
 * inject annotation (`annotate`); a Namespace gets the inject annotation; any other kind comes
 * back unchanged, skipped as unsupported.
 *
 *   const { object, report } = injectWorkload(deployment, { mesh: defaultMeshConfig(), mode: 'manual', origin: 'cli', createdBy: 'sinew/cli v0.1.0' });
 */
export function injectWorkload(object: JsonObject, options: InjectOptions): InjectResult {
  const checked = checkDocument(object);
  if (!checked.ok) throw new InvalidObjectError(checked.problem);
  const kind = String(object['kind']);
  const namespace = namespaceOf(object) || (options.namespace ?? '');
  if (kind === 'Namespace') return injectNamespace(object, options);
  if (!isWorkloadKind(kind)) {
    return { object, report: report(object, namespace, { outcome: 'skipped', reasons: ['unsupported_resource'], udp: false, warnings: [] }) };
  }
  const template = (kind === 'Pod' ? object : at(object, podTemplatePath[kind])) as PodTemplate;
  return injectTemplate(object, kind, template, options, namespace);
}

/** What the webhook gets for one admitted Pod: the injected Pod, or why it was left alone. */
export type AdmittedPodInjection =
  | { readonly injected: true; readonly pod: JsonObject; readonly report: InjectReport }
  | { readonly injected: false; readonly reason: string; readonly report: InjectReport };

/**
 * The proxy injector's decision for a Pod being created: injected with the full sidecar when the
 * Pod or its namespace asks for it, with the namespace's `config.linkerd.io/*` annotations applied
 * (and copied onto the Pod) below the Pod's own. Throws `InvalidObjectError` for a Pod it cannot read.
 *
 *   const result = injectAdmittedPod(review.request.object, nsAnnotations, { mesh, createdBy: 'sinew/proxy-injector v0.1.0', namespace: review.request.namespace });
 *   if (result.injected) patch = compare(review.request.object, result.pod);
 */
export function injectAdmittedPod(
  pod: JsonObject,
  namespaceAnnotations: Readonly<Record<string, string>>,
  options: { readonly mesh: MeshConfig; readonly createdBy: string; readonly namespace?: string; readonly owner?: Owner },
): AdmittedPodInjection {
  const result = injectWorkload(pod, { ...options, mode: 'manual', origin: 'webhook', namespaceAnnotations });
  if (result.report.outcome === 'injected') return { injected: true, pod: result.object, report: result.report };
  return { injected: false, reason: result.report.reasons.join(', '), report: result.report };
}
