/**
 * `sinew install`'s settings flags, with Linkerd's names, checked and turned into InstallValues:
 * defaults, then `--ha`'s overrides, then each flag given. A value that cannot be used is an
 * `InstallFlagError` naming the flag, what it must be, and what was given.
 */
import { parseDuration } from '../reconcilers/go-duration.js';
import { isDnsLabel, isTrustDomain } from '../identity/identity-name.js';
import { isCidrOrAddress } from '../informers/kinds/network-authentication.js';
import type { IdentityFiles } from './identity-certificates.js';
import {
  controllerLogLevels, defaultInboundPolicies, defaultInstallValues, haValues, type ImageRef, type InstallValues,
  parseImageRef, type ProxyInitValues, type ProxyValues, pullPolicies,
} from './install-values.js';

export class InstallFlagError extends Error {
  override readonly name = 'InstallFlagError';
}

/** The flags, as node:util parseArgs declares them. */
export const installSettingFlags = {
  'linkerd-namespace': { type: 'string', short: 'L' },
  ha: { type: 'boolean' },
  image: { type: 'string' },
  'image-pull-policy': { type: 'string' },
  'controller-replicas': { type: 'string' },
  'controller-log-level': { type: 'string' },
  'controller-log-format': { type: 'string' },
  'controller-uid': { type: 'string' },
  'cluster-domain': { type: 'string' },
  'cluster-networks': { type: 'string' },
  'identity-trust-domain': { type: 'string' },
  'identity-trust-anchors-file': { type: 'string' },
  'identity-issuer-certificate-file': { type: 'string' },
  'identity-issuer-key-file': { type: 'string' },
  'identity-issuance-lifetime': { type: 'string' },
  'identity-clock-skew-allowance': { type: 'string' },
  'proxy-image': { type: 'string' },
  'proxy-log-level': { type: 'string' },
  'proxy-log-format': { type: 'string' },
  'proxy-uid': { type: 'string' },
  'admin-port': { type: 'string' },
  'control-port': { type: 'string' },
  'inbound-port': { type: 'string' },
  'outbound-port': { type: 'string' },
  'skip-inbound-ports': { type: 'string' },
  'skip-outbound-ports': { type: 'string' },
  'opaque-ports': { type: 'string' },
  'require-identity-on-inbound-ports': { type: 'string' },
  'default-inbound-policy': { type: 'string' },
} as const;

export type InstallSettingValues = Readonly<Partial<Record<keyof typeof installSettingFlags, string | boolean>>>;

function text(values: InstallSettingValues, flag: keyof typeof installSettingFlags): string | undefined {
  const value = values[flag];
  return typeof value === 'string' ? value : undefined;
}

function fail(flag: string, must: string, given: string): never {
  throw new InstallFlagError(`--${flag} must be ${must}; got ${JSON.stringify(given)}`);
}

function oneOf<T extends string>(flag: string, given: string | undefined, allowed: readonly T[], fallback: T): T {
  if (given === undefined) return fallback;
  return (allowed as readonly string[]).includes(given) ? (given as T) : fail(flag, `one of ${allowed.join(', ')}`, given);
}

function integer(flag: string, given: string | undefined, fallback: number, min: number, max: number): number {
  if (given === undefined) return fallback;
  const value = /^\d+$/.test(given) ? Number(given) : NaN;
  return Number.isSafeInteger(value) && value >= min && value <= max ? value : fail(flag, `an integer from ${min} to ${max}`, given);
}

const portPart = /^(\d{1,5})(?:-(\d{1,5}))?$/;

/** A comma list of ports and port ranges (`25,587,4567-4568`), as Linkerd's port-list flags take. */
function portList(flag: string, given: string | undefined, fallback: string): string {
  if (given === undefined) return fallback;
  const parts = given.split(',').map((part) => part.trim()).filter((part) => part !== '');
  for (const part of parts) {
    const match = portPart.exec(part);
    const low = Number(match?.[1]);
    const high = match?.[2] === undefined ? low : Number(match[2]);
    if (match === null || low < 1 || high > 65535 || high < low) fail(flag, 'a comma list of ports (1-65535) and ranges such as 4567-4568', given);
  }
  return parts.join(',');
}

function image(flag: string, given: string | undefined, fallback: ImageRef, version: string): ImageRef {
  if (given === undefined) return fallback;
  if (!/^[a-z0-9][a-z0-9._\-/:@]*$/i.test(given)) fail(flag, 'an image reference such as ghcr.io/sinew-mesh/sinew:v1.0.0', given);
  return parseImageRef(given, version);
}

function goDuration(flag: string, given: string | undefined, fallback: string, minMs: number): string {
  if (given === undefined) return fallback;
  const ms = parseDuration(given);
  return ms !== undefined && ms >= minMs ? given : fail(flag, `a duration of at least ${minMs / 1000}s, such as 24h or 20s`, given);
}

function networks(given: string | undefined, fallback: readonly string[]): readonly string[] {
  if (given === undefined) return fallback;
  const parts = given.split(',').map((part) => part.trim()).filter((part) => part !== '');
  return parts.length > 0 && parts.every(isCidrOrAddress) ? parts : fail('cluster-networks', 'a comma list of CIDRs', given);
}

function domain(flag: string, given: string | undefined, fallback: string): string {
  if (given === undefined) return fallback;
  return isTrustDomain(given) ? given : fail(flag, 'a DNS name', given);
}

function proxyPorts(values: InstallSettingValues, defaults: ProxyValues['ports']): ProxyValues['ports'] {
  const ports = {
    admin: integer('admin-port', text(values, 'admin-port'), defaults.admin, 1, 65535),
    control: integer('control-port', text(values, 'control-port'), defaults.control, 1, 65535),
    inbound: integer('inbound-port', text(values, 'inbound-port'), defaults.inbound, 1, 65535),
    outbound: integer('outbound-port', text(values, 'outbound-port'), defaults.outbound, 1, 65535),
  };
  if (new Set(Object.values(ports)).size !== 4) {
    throw new InstallFlagError(`the proxy's ports must differ; got admin ${ports.admin}, control ${ports.control}, inbound ${ports.inbound}, outbound ${ports.outbound}`);
  }
  return ports;
}

function proxyValues(values: InstallSettingValues, defaults: ProxyValues, image: ImageRef): ProxyValues {
  const logLevel = text(values, 'proxy-log-level') ?? defaults.logLevel;
  if (!/^[A-Za-z0-9_:=,.\-[\]{}]+$/.test(logLevel)) fail('proxy-log-level', 'a log filter such as warn,linkerd=info', logLevel);
  return {
    ...defaults,
    image,
    logLevel,
    logFormat: oneOf('proxy-log-format', text(values, 'proxy-log-format'), ['plain', 'json'] as const, defaults.logFormat),
    ports: proxyPorts(values, defaults.ports),
    uid: integer('proxy-uid', text(values, 'proxy-uid'), defaults.uid, 1, 2_147_483_647),
    defaultInboundPolicy: oneOf('default-inbound-policy', text(values, 'default-inbound-policy'), defaultInboundPolicies, defaults.defaultInboundPolicy),
    opaquePorts: portList('opaque-ports', text(values, 'opaque-ports'), defaults.opaquePorts),
    requireIdentityOnInboundPorts: portList('require-identity-on-inbound-ports', text(values, 'require-identity-on-inbound-ports'), defaults.requireIdentityOnInboundPorts),
  };
}

function proxyInitValues(values: InstallSettingValues, defaults: ProxyInitValues, proxyImage: ImageRef): ProxyInitValues {
  return {
    // proxy-init is a subcommand of the one sinew image, so its image is always the proxy's.
    image: proxyImage,
    ignoreInboundPorts: portList('skip-inbound-ports', text(values, 'skip-inbound-ports'), defaults.ignoreInboundPorts),
    ignoreOutboundPorts: portList('skip-outbound-ports', text(values, 'skip-outbound-ports'), defaults.ignoreOutboundPorts),
  };
}

/** The values `sinew install` renders, from its flags. `version` is the CLI's (`v0.1.0`). */
export function installValuesFromFlags(values: InstallSettingValues, version: string): InstallValues {
  const defaults = values.ha === true ? haValues(defaultInstallValues(version)) : defaultInstallValues(version);
  const namespace = text(values, 'linkerd-namespace') ?? defaults.namespace;
  if (!isDnsLabel(namespace)) fail('linkerd-namespace', 'a DNS label (lower case letters, digits and -)', namespace);
  const clusterDomain = domain('cluster-domain', text(values, 'cluster-domain'), defaults.clusterDomain);
  const controllerImage = image('image', text(values, 'image'), defaults.controllerImage, version);
  const proxy = proxyValues(values, defaults.proxy, image('proxy-image', text(values, 'proxy-image'), controllerImage, version));
  return {
    ...defaults,
    namespace,
    clusterDomain,
    // Linkerd's trust domain defaults to the cluster domain.
    identityTrustDomain: domain('identity-trust-domain', text(values, 'identity-trust-domain'), clusterDomain),
    clusterNetworks: networks(text(values, 'cluster-networks'), defaults.clusterNetworks),
    controllerImage,
    imagePullPolicy: oneOf('image-pull-policy', text(values, 'image-pull-policy'), pullPolicies, defaults.imagePullPolicy),
    controllerReplicas: integer('controller-replicas', text(values, 'controller-replicas'), defaults.controllerReplicas, 1, 100),
    controllerLogLevel: oneOf('controller-log-level', text(values, 'controller-log-level'), controllerLogLevels, defaults.controllerLogLevel),
    controllerLogFormat: oneOf('controller-log-format', text(values, 'controller-log-format'), ['plain', 'json'] as const, defaults.controllerLogFormat),
    controllerUID: integer('controller-uid', text(values, 'controller-uid'), defaults.controllerUID, 1, 2_147_483_647),
    identity: {
      issuanceLifetime: goDuration('identity-issuance-lifetime', text(values, 'identity-issuance-lifetime'), defaults.identity.issuanceLifetime, 60_000),
      clockSkewAllowance: goDuration('identity-clock-skew-allowance', text(values, 'identity-clock-skew-allowance'), defaults.identity.clockSkewAllowance, 0),
    },
    proxy,
    proxyInit: proxyInitValues(values, defaults.proxyInit, proxy.image),
  };
}

/** The operator's identity files: all three flags, or none (then install generates them). */
export function identityFilesFromFlags(values: InstallSettingValues): IdentityFiles | undefined {
  const given = {
    trustAnchorsFile: text(values, 'identity-trust-anchors-file'),
    issuerCertificateFile: text(values, 'identity-issuer-certificate-file'),
    issuerKeyFile: text(values, 'identity-issuer-key-file'),
  };
  const flags = { trustAnchorsFile: 'identity-trust-anchors-file', issuerCertificateFile: 'identity-issuer-certificate-file', issuerKeyFile: 'identity-issuer-key-file' };
  const missing = (Object.keys(given) as (keyof typeof given)[]).filter((key) => given[key] === undefined);
  if (missing.length === 3) return undefined;
  if (missing.length > 0) {
    throw new InstallFlagError(`--identity-trust-anchors-file, --identity-issuer-certificate-file and --identity-issuer-key-file go together; missing ${missing.map((key) => `--${flags[key]}`).join(', ')}`);
  }
  return given as IdentityFiles;
}
