/**
 * How the control plane's own pods are meshed with the Sinew proxy: the same manual injection
 * `sinew inject --manual` and the proxy-injector webhook apply (src/inject/), configured from the
 * install's values. As Linkerd renders its own pods: the proxies read the trust anchors from the
 * `linkerd-identity-trust-roots` ConfigMap (so a rotated bundle needs no re-render), and each
 * component reaches its own service over localhost (the injection sees the
 * `linkerd.io/control-plane-component` label). The per-component proxy settings (default inbound
 * policy, opaque and skipped ports, not awaiting the proxy) are pod annotations set in
 * components.ts, which the injection reads like any pod's.
 */
import { defaultMeshConfig, injectWorkload, type MeshConfig as InjectMeshConfig } from '../inject/index.js';
import type { InstallMaterial } from './certificates.js';
import type { WorkloadMesher } from './deployments.js';
import type { InstallValues } from './install-values.js';
import type { Manifest } from './manifest.js';

export class ControlPlaneMeshError extends Error {
  override readonly name = 'ControlPlaneMeshError';
}

/** The injection's configuration for the control plane's pods, from the install's values. */
export function injectMeshConfig(values: InstallValues, material: InstallMaterial): InjectMeshConfig {
  const { proxy, proxyInit } = values;
  return defaultMeshConfig({
    controllerNamespace: values.namespace,
    clusterDomain: values.clusterDomain,
    trustDomain: values.identityTrustDomain,
    trustAnchorsPem: material.identity.trustAnchorsPem,
    trustAnchorsFromConfigMap: true,
    proxy: {
      image: proxy.image.name,
      version: proxy.image.version,
      pullPolicy: values.imagePullPolicy,
      logLevel: proxy.logLevel,
      logFormat: proxy.logFormat,
      ports: proxy.ports,
      uid: proxy.uid,
      skipInboundPorts: proxyInit.ignoreInboundPorts,
      skipOutboundPorts: proxyInit.ignoreOutboundPorts,
      opaquePorts: proxy.opaquePorts,
      requireIdentityInboundPorts: proxy.requireIdentityOnInboundPorts,
      defaultInboundPolicy: proxy.defaultInboundPolicy,
      clusterNetworks: values.clusterNetworks.join(','),
      await: proxy.await,
      resources: {
        ...(proxy.resources.cpu?.request === undefined ? {} : { cpuRequest: proxy.resources.cpu.request }),
        ...(proxy.resources.cpu?.limit === undefined ? {} : { cpuLimit: proxy.resources.cpu.limit }),
        ...(proxy.resources.memory?.request === undefined ? {} : { memoryRequest: proxy.resources.memory.request }),
        ...(proxy.resources.memory?.limit === undefined ? {} : { memoryLimit: proxy.resources.memory.limit }),
      },
    },
  });
}

/** Meshes each control-plane Deployment with the manual injection; a Deployment it skips is an error. */
export function meshControlPlane(values: InstallValues, material: InstallMaterial, createdBy: string): WorkloadMesher {
  const mesh = injectMeshConfig(values, material);
  return (deployment: Manifest): Manifest => {
    const { object, report } = injectWorkload({ ...deployment }, { mesh, mode: 'manual', origin: 'cli', createdBy });
    if (report.outcome !== 'injected') {
      throw new ControlPlaneMeshError(`the proxy could not be added to ${deployment.kind}/${deployment.metadata.name}: ${report.reasons.join(', ')}`);
    }
    return object as unknown as Manifest;
  };
}
