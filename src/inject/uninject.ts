/**
 * Un-injection: removes from an object exactly what injection adds, by name: the `linkerd-init`
 * and `linkerd-proxy` containers (wherever they are), the three sidecar volumes, the labels
 * `linkerd.io/control-plane-ns`, `linkerd.io/workload-ns` and `linkerd.io/proxy-<kind>`, and the
 * annotations `linkerd.io/created-by`, `linkerd.io/proxy-version`, `linkerd.io/identity-mode`,
 * `linkerd.io/trust-root-sha256` and `linkerd.io/inject` (unless it says `disabled` or `ingress`:
 * those are the user's choices, not injection's).
 *
 * Contract: pure; idempotent. For every object `x` that carries none of those (`uninject(x)` equals
 * `x`), `uninject(inject(x))` deep-equals `x` in both modes and both layouts, with one convention:
 * a list or map left empty is removed, as the API server does not keep one either. A label the
 * workload's selector uses is kept (removing it would orphan the workload's pods). Config
 * annotations (`config.linkerd.io/*`) are the user's and stay.
 */
import type { UninjectReport } from './inject-report.js';
import { annotations, containerNames, labels, proxyOwnerLabels, volumeNames } from './names.js';
import type { Container, PodTemplate, Volume } from './pod-spec.js';
import {
  at, checkDocument, InvalidObjectError, isWorkloadKind, metadataOf, nameOf, namespaceOf, podTemplatePath, selectorLabels, stringMapOf,
  withAt, type JsonObject,
} from './workload.js';

const injectedLabels: readonly string[] = [labels.controlPlaneNs, labels.workloadNs, ...proxyOwnerLabels];
const injectedAnnotations: readonly string[] = [annotations.createdBy, annotations.proxyVersion, annotations.identityMode, annotations.trustRootSha256];
const injectedVolumes: readonly string[] = Object.values(volumeNames);

export interface UninjectResult {
  readonly object: JsonObject;
  readonly report: UninjectReport;
}

/** `entries` without the keys `drop` says to drop; undefined when nothing is left. */
function without(entries: Readonly<Record<string, string>>, drop: (key: string, value: string) => boolean): Record<string, string> | undefined {
  const kept = Object.fromEntries(Object.entries(entries).filter(([key, value]) => !drop(key, value)));
  return Object.keys(kept).length === 0 ? undefined : kept;
}

function dropsInjectAnnotation(key: string, value: string): boolean {
  return key === annotations.inject && value !== 'disabled' && value !== 'ingress';
}

/** `object` with `field` set to `value`, or without it when `value` is undefined. */
function setOrDelete(object: JsonObject, field: string, value: unknown): JsonObject {
  if (value === undefined) return Object.fromEntries(Object.entries(object).filter(([key]) => key !== field));
  return { ...object, [field]: value };
}

function uninjectMetadata(metadata: JsonObject, selector: Readonly<Record<string, string>>): JsonObject {
  const labelMap = without(stringMapOf(metadata['labels']), (key) => injectedLabels.includes(key) && !Object.hasOwn(selector, key));
  const annotationMap = without(stringMapOf(metadata['annotations']), (key, value) => injectedAnnotations.includes(key) || dropsInjectAnnotation(key, value));
  const withLabels = metadata['labels'] === undefined ? metadata : setOrDelete(metadata, 'labels', labelMap);
  return metadata['annotations'] === undefined ? withLabels : setOrDelete(withLabels, 'annotations', annotationMap);
}

function nonEmpty<T>(list: readonly T[]): readonly T[] | undefined {
  return list.length === 0 ? undefined : list;
}

function uninjectTemplate(template: PodTemplate, selector: Readonly<Record<string, string>>): PodTemplate {
  const spec = template.spec;
  const isOurs = (c: Container) => c.name === containerNames.proxy || c.name === containerNames.init;
  let newSpec: JsonObject = { ...spec, containers: spec.containers.filter((c) => !isOurs(c)) };
  if (spec.initContainers !== undefined) newSpec = setOrDelete(newSpec, 'initContainers', nonEmpty((spec.initContainers ?? []).filter((c) => !isOurs(c))));
  if (spec.volumes !== undefined) {
    newSpec = setOrDelete(newSpec, 'volumes', nonEmpty((spec.volumes ?? []).filter((v: Volume) => !injectedVolumes.includes(v.name))));
  }
  let result: JsonObject = { ...template, spec: newSpec };
  const metadata = template.metadata;
  if (metadata !== undefined && metadata !== null) {
    const cleaned = uninjectMetadata(metadata, selector);
    result = setOrDelete(result, 'metadata', Object.keys(cleaned).length === 0 ? undefined : cleaned);
  }
  return result as PodTemplate;
}

function report(object: JsonObject, changed: boolean): UninjectReport {
  return { kind: String(object['kind']).toLowerCase(), name: nameOf(object), namespace: namespaceOf(object), outcome: changed ? 'uninjected' : 'skipped' };
}

/**
 * Removes the sidecar and Linkerd's injection metadata from one object (a workload, a Pod or a
 * Namespace); other kinds come back unchanged and are reported skipped.
 *
 *   const { object } = uninjectWorkload(injectedDeployment);
 */
export function uninjectWorkload(object: JsonObject): UninjectResult {
  const checked = checkDocument(object);
  if (!checked.ok) throw new InvalidObjectError(checked.problem);
  const kind = String(object['kind']);
  let result = object;
  if (kind === 'Namespace') {
    const metadata = metadataOf(object);
    if (metadata['annotations'] !== undefined) {
      const kept = without(stringMapOf(metadata['annotations']), dropsInjectAnnotation);
      result = { ...object, metadata: setOrDelete(metadata, 'annotations', kept) };
    }
  } else if (isWorkloadKind(kind)) {
    const path = podTemplatePath[kind];
    const template = (path.length === 0 ? object : at(object, path)) as PodTemplate;
    result = withAt(object, path, uninjectTemplate(template, selectorLabels(object)));
  }
  const changed = JSON.stringify(result) !== JSON.stringify(object);
  return { object: changed ? result : object, report: report(object, changed) };
}
