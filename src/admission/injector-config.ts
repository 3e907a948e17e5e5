/**
 * What the proxy injector injects with: the install's values as the `linkerd-config` ConfigMap
 * carries them (its `values` key, Linkerd's chart-values shape), read from the file the ConfigMap is
 * mounted as, over the proxy defaults. Only the keys injection uses are read; each that is present
 * must have the right type, or the file is refused with the key named (a half-read configuration
 * would inject proxies that disagree with the control plane). Read once, at start.
 */
import fs from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { formatPath } from '../informers/fail-closed.js';
import { defaultMeshConfig, type MeshConfig } from '../inject/index.js';
import { inboundPolicies, pullPolicies } from '../inject/proxy-config.js';

const portSchema = z.number().int().min(1).max(65535);

const valuesSchema = z.object({
  clusterDomain: z.string().min(1).optional(),
  clusterNetworks: z.string().optional(),
  identityTrustDomain: z.string().min(1).optional(),
  identityTrustAnchorsPEM: z.string().optional(),
  imagePullPolicy: z.enum(pullPolicies).optional(),
  proxy: z.object({
    await: z.boolean().optional(),
    defaultInboundPolicy: z.enum(inboundPolicies).optional(),
    image: z.object({ name: z.string().min(1).optional(), version: z.string().min(1).optional(), pullPolicy: z.enum(pullPolicies).optional() }).optional(),
    logFormat: z.enum(['plain', 'json']).optional(),
    logLevel: z.string().min(1).optional(),
    opaquePorts: z.string().optional(),
    requireIdentityOnInboundPorts: z.string().optional(),
    ports: z.object({ inbound: portSchema, outbound: portSchema, admin: portSchema, control: portSchema }).optional(),
    uid: z.number().int().min(0).optional(),
    resources: z.object({
      cpu: z.object({ request: z.string().optional(), limit: z.string().optional() }).optional(),
      memory: z.object({ request: z.string().optional(), limit: z.string().optional() }).optional(),
    }).optional(),
    inboundConnectTimeout: z.string().optional(),
    outboundConnectTimeout: z.string().optional(),
  }).optional(),
  proxyInit: z.object({ ignoreInboundPorts: z.string().optional(), ignoreOutboundPorts: z.string().optional() }).optional(),
});

export class InjectorConfigError extends Error {
  override readonly name = 'InjectorConfigError';
}

/** The mesh configuration from the `linkerd-config` values in `text` (YAML or JSON); `source` names it in errors. */
export function injectorConfig(text: string, source: string, controllerNamespace: string): MeshConfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new InjectorConfigError(`${source}: not YAML: ${(error as Error).message}`);
  }
  const parsed = valuesSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InjectorConfigError(`${source}: ${issue === undefined ? 'invalid' : `${formatPath(issue.path) || '(root)'}: ${issue.message}`}`);
  }
  const values = parsed.data;
  const proxy = values.proxy ?? {};
  const defaults = defaultMeshConfig().proxy;
  return defaultMeshConfig({
    controllerNamespace,
    ...(values.clusterDomain === undefined ? {} : { clusterDomain: values.clusterDomain }),
    ...(values.identityTrustDomain === undefined ? {} : { trustDomain: values.identityTrustDomain }),
    ...(values.identityTrustAnchorsPEM === undefined || values.identityTrustAnchorsPEM === '' ? {} : { trustAnchorsPem: values.identityTrustAnchorsPEM }),
    proxy: {
      image: proxy.image?.name ?? defaults.image,
      version: proxy.image?.version ?? defaults.version,
      pullPolicy: proxy.image?.pullPolicy ?? values.imagePullPolicy ?? defaults.pullPolicy,
      logLevel: proxy.logLevel ?? defaults.logLevel,
      logFormat: proxy.logFormat ?? defaults.logFormat,
      ports: proxy.ports ?? defaults.ports,
      uid: proxy.uid ?? defaults.uid,
      opaquePorts: proxy.opaquePorts ?? defaults.opaquePorts,
      requireIdentityInboundPorts: proxy.requireIdentityOnInboundPorts ?? defaults.requireIdentityInboundPorts,
      defaultInboundPolicy: proxy.defaultInboundPolicy ?? defaults.defaultInboundPolicy,
      clusterNetworks: values.clusterNetworks ?? defaults.clusterNetworks,
      await: proxy.await ?? defaults.await,
      skipInboundPorts: values.proxyInit?.ignoreInboundPorts ?? defaults.skipInboundPorts,
      skipOutboundPorts: values.proxyInit?.ignoreOutboundPorts ?? defaults.skipOutboundPorts,
      resources: resourcesOf(proxy.resources) ?? defaults.resources,
      inboundConnectTimeout: proxy.inboundConnectTimeout ?? defaults.inboundConnectTimeout,
      outboundConnectTimeout: proxy.outboundConnectTimeout ?? defaults.outboundConnectTimeout,
    },
  });
}

type ResourceValues = { readonly cpu?: { readonly request?: string | undefined; readonly limit?: string | undefined } | undefined;
  readonly memory?: { readonly request?: string | undefined; readonly limit?: string | undefined } | undefined };

/** Chart-shaped requests and limits (an empty string means unset) as the proxy's resources. */
function resourcesOf(values: ResourceValues | undefined): MeshConfig['proxy']['resources'] | undefined {
  if (values === undefined) return undefined;
  const set = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);
  const entries = {
    cpuRequest: set(values.cpu?.request), cpuLimit: set(values.cpu?.limit),
    memoryRequest: set(values.memory?.request), memoryLimit: set(values.memory?.limit),
  };
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));
}

export function injectorConfigFile(file: string, controllerNamespace: string): MeshConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new InjectorConfigError(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  return injectorConfig(text, file, controllerNamespace);
}
