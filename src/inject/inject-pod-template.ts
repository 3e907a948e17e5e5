/**
 * Injection of one pod template (or Pod): the sidecar layout and the labels and annotations of
 * an injected pod, as Linkerd's injector patches them.
 *
 * Contract: pure; the template passed in is never changed. Native layout: `linkerd-init` and
 * `linkerd-proxy` become the first two init containers (so later init containers are already
 * meshed). Classic layout: `linkerd-init` is appended to the init containers and the proxy is the
 * first container (held ready by a postStart hook) when `await` is on, else the last. Volumes are
 * appended. Keys injection writes replace same-named ones; nothing else is touched.
 */
import { createHash } from 'node:crypto';
import { annotations as annotationNames } from './names.js';
import type { Container, PodTemplate, Volume } from './pod-spec.js';
import type { MeshConfig, ProxyConfig } from './proxy-config.js';
import { initContainer, proxyContainer, sidecarVolumes } from './sidecar.js';
import type { JsonObject } from './workload.js';

export interface TemplateInjection {
  readonly mesh: MeshConfig;
  /** The configuration after annotations and overrides. */
  readonly proxy: ProxyConfig;
  /** `linkerd.io/control-plane-ns`, `linkerd.io/proxy-<kind>` and `linkerd.io/workload-ns`. */
  readonly labels: Readonly<Record<string, string>>;
  /** Annotations written besides Linkerd's own (config inherited from the namespace, for example). */
  readonly extraAnnotations: Readonly<Record<string, string>>;
  readonly createdBy: string;
  /** The workload's name when it is a control-plane component (it reaches itself over localhost). */
  readonly component: string;
  /** `linkerd.io/inject: ingress`: the proxy runs in ingress mode. */
  readonly ingress: boolean;
}

/** The hex SHA-256 of the trust anchors' PEM, Linkerd's `linkerd.io/trust-root-sha256`. */
export function trustRootSha256(pem: string): string {
  return createHash('sha256').update(pem).digest('hex');
}

export function templateMetadata(template: PodTemplate): JsonObject {
  const metadata = template.metadata;
  return metadata !== null && typeof metadata === 'object' ? metadata : {};
}

/** `template` with `add` merged into `metadata[field]` (created when missing). */
export function withMetadataEntries(template: PodTemplate, field: 'labels' | 'annotations', add: Readonly<Record<string, string>>): PodTemplate {
  if (Object.keys(add).length === 0) return template;
  const metadata = templateMetadata(template);
  const existing = metadata[field];
  const current = existing !== null && typeof existing === 'object' ? existing as Record<string, string> : {};
  const updated = { ...metadata, [field]: { ...current, ...add } };
  // A template without metadata gets it first, where Kubernetes writes it.
  return Object.hasOwn(template, 'metadata') ? { ...template, metadata: updated } : { metadata: updated, ...template };
}

function injectedAnnotations(input: TemplateInjection): Record<string, string> {
  const added: Record<string, string> = {
    ...input.extraAnnotations,
    [annotationNames.createdBy]: input.createdBy,
    [annotationNames.proxyVersion]: input.proxy.version,
    [annotationNames.identityMode]: 'default',
  };
  if (input.mesh.trustAnchorsPem !== undefined) added[annotationNames.trustRootSha256] = trustRootSha256(input.mesh.trustAnchorsPem);
  return added;
}

function withSidecars(template: PodTemplate, input: TemplateInjection): PodTemplate {
  const spec = template.spec;
  const sidecarInput = { mesh: input.mesh, proxy: input.proxy, spec, component: input.component };
  const init = initContainer(sidecarInput);
  const built = proxyContainer(sidecarInput);
  const proxy: Container = input.ingress
    ? { ...built, env: [...(built['env'] as readonly JsonObject[]), { name: 'LINKERD2_PROXY_INGRESS_MODE', value: 'true' }] }
    : built;
  const initContainers = spec.initContainers ?? [];
  let newInit: readonly Container[];
  let containers: readonly Container[] = spec.containers;
  if (input.proxy.nativeSidecar) {
    newInit = [init, proxy, ...initContainers];
  } else {
    newInit = [...initContainers, init];
    containers = input.proxy.await ? [proxy, ...spec.containers] : [...spec.containers, proxy];
  }
  const volumes: readonly Volume[] = [...(spec.volumes ?? []), ...sidecarVolumes()];
  return { ...template, spec: { ...spec, initContainers: newInit, containers, volumes } };
}

/** The template with the proxy, proxy-init, their volumes, labels and annotations added. */
export function injectPodTemplate(template: PodTemplate, input: TemplateInjection): PodTemplate {
  const labelled = withMetadataEntries(template, 'labels', input.labels);
  const annotated = withMetadataEntries(labelled, 'annotations', injectedAnnotations(input));
  return withSidecars(annotated, input);
}
