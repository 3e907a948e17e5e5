/**
 * `sinew viz install`'s settings flags, checked and turned into VizValues: defaults, then `--ha`'s
 * overrides, then what the cluster's control plane says (its cluster and trust domains), then each
 * flag given. A value that cannot be used is an `InstallFlagError` naming the flag, what it must be,
 * and what was given.
 */
import { isDnsLabel, isTrustDomain } from '../identity/identity-name.js';
import { InstallFlagError } from './install-flags.js';
import { type ImageRef, parseImageRef, type PullPolicy, pullPolicies } from './install-values.js';
import { defaultVizValues, vizHaValues, type VizValues } from './viz-values.js';

/** The flags, as node:util parseArgs declares them. */
export const vizSettingFlags = {
  'viz-namespace': { type: 'string' },
  'linkerd-namespace': { type: 'string', short: 'L' },
  ha: { type: 'boolean' },
  image: { type: 'string' },
  'image-pull-policy': { type: 'string' },
  'prometheus-image': { type: 'string' },
  'prometheus-url': { type: 'string' },
  'cluster-domain': { type: 'string' },
  'identity-trust-domain': { type: 'string' },
  'dashboard-enforced-host': { type: 'string' },
} as const;

export type VizSettingValues = Readonly<Partial<Record<keyof typeof vizSettingFlags, string | boolean>>>;

/** What the installed control plane's `linkerd-config` says, when the cluster was asked. */
export interface ControlPlaneFacts {
  readonly clusterDomain?: string;
  readonly identityTrustDomain?: string;
}

function text(values: VizSettingValues, flag: keyof typeof vizSettingFlags): string | undefined {
  const value = values[flag];
  return typeof value === 'string' ? value : undefined;
}

function fail(flag: string, must: string, given: string): never {
  throw new InstallFlagError(`--${flag} must be ${must}; got ${JSON.stringify(given)}`);
}

function namespace(flag: string, given: string | undefined, fallback: string): string {
  if (given === undefined) return fallback;
  return isDnsLabel(given) ? given : fail(flag, 'a DNS label (lower case letters, digits and -)', given);
}

function domain(flag: string, given: string | undefined, fallback: string): string {
  if (given === undefined) return fallback;
  return isTrustDomain(given) ? given : fail(flag, 'a DNS name', given);
}

function image(flag: string, given: string | undefined, fallback: ImageRef, version: string): ImageRef {
  if (given === undefined) return fallback;
  if (!/^[a-z0-9][a-z0-9._\-/:@]*$/i.test(given)) fail(flag, 'an image reference such as ghcr.io/sinew-mesh/sinew:v1.0.0', given);
  return parseImageRef(given, version);
}

function httpUrl(flag: string, given: string | undefined): string | undefined {
  if (given === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(given);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.host === '') fail(flag, 'an http or https URL such as http://prometheus.monitoring:9090', given);
  return given.replace(/\/+$/, '');
}

function regex(flag: string, given: string | undefined): string | undefined {
  if (given === undefined) return undefined;
  try {
    new RegExp(given);
  } catch (error) {
    fail(flag, `a regular expression (${(error as Error).message})`, given);
  }
  return given;
}

/** The values `sinew viz install` renders, from its flags. `version` is the CLI's (`v0.1.0`). */
export function vizValuesFromFlags(values: VizSettingValues, version: string, controlPlane: ControlPlaneFacts = {}): VizValues {
  const defaults = values.ha === true ? vizHaValues(defaultVizValues(version)) : defaultVizValues(version);
  const clusterDomain = domain('cluster-domain', text(values, 'cluster-domain'), controlPlane.clusterDomain ?? defaults.clusterDomain);
  const pullPolicy = text(values, 'image-pull-policy');
  if (pullPolicy !== undefined && !(pullPolicies as readonly string[]).includes(pullPolicy)) fail('image-pull-policy', `one of ${pullPolicies.join(', ')}`, pullPolicy);
  return {
    ...defaults,
    namespace: namespace('viz-namespace', text(values, 'viz-namespace'), defaults.namespace),
    controlPlaneNamespace: namespace('linkerd-namespace', text(values, 'linkerd-namespace'), defaults.controlPlaneNamespace),
    clusterDomain,
    // As the control plane's: the trust domain defaults to the cluster domain.
    identityTrustDomain: domain('identity-trust-domain', text(values, 'identity-trust-domain'), controlPlane.identityTrustDomain ?? clusterDomain),
    image: image('image', text(values, 'image'), defaults.image, version),
    imagePullPolicy: (pullPolicy as PullPolicy | undefined) ?? defaults.imagePullPolicy,
    prometheusImage: image('prometheus-image', text(values, 'prometheus-image'), defaults.prometheusImage, defaults.prometheusImage.version),
    prometheusUrl: httpUrl('prometheus-url', text(values, 'prometheus-url')),
    enforcedHostRegex: regex('dashboard-enforced-host', text(values, 'dashboard-enforced-host')),
  };
}
