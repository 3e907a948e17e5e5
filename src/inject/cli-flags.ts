/**
 * The proxy flags `sinew inject` shares with Linkerd's (`--proxy-image`, `--proxy-log-level`,
 * `--skip-inbound-ports`, …), each the CLI spelling of one `config.linkerd.io/*` annotation, and
 * the mesh flags (`--linkerd-namespace`, `--identity-trust-anchors-file`, …). A flag's value is
 * checked by the same reader as the annotation's, and the error names the flag.
 */
import { strictConfigAnnotations } from './config-annotations.js';
import { configAnnotations as keys } from './names.js';
import type { ProxyConfig } from './proxy-config.js';

/** Flag name → the annotation it stands for, and its help text. */
export const proxyFlags: ReadonlyArray<readonly [flag: string, annotation: string, help: string]> = [
  ['proxy-image', keys.proxyImage, 'proxy container image name (default ghcr.io/sinew-mesh/sinew)'],
  ['proxy-version', keys.proxyVersion, 'tag of the proxy image (default this sinew\'s version)'],
  ['image-pull-policy', keys.imagePullPolicy, 'Always, IfNotPresent or Never (default IfNotPresent)'],
  ['proxy-log-level', keys.logLevel, 'proxy log level (default warn,linkerd=info,hickory=error)'],
  ['proxy-log-format', keys.logFormat, 'plain or json (default plain)'],
  ['inbound-port', keys.inboundPort, 'proxy port for inbound traffic (default 4143)'],
  ['outbound-port', keys.outboundPort, 'proxy port for outbound traffic (default 4140)'],
  ['admin-port', keys.adminPort, 'proxy port for metrics and probes (default 4191)'],
  ['control-port', keys.controlPort, 'proxy port for tap (default 4190)'],
  ['proxy-uid', keys.proxyUid, 'user id the proxy runs as (default 2102)'],
  ['proxy-gid', keys.proxyGid, 'group id the proxy runs as (default unset)'],
  ['skip-inbound-ports', keys.skipInboundPorts, 'inbound ports and ranges that bypass the proxy (default 4567,4568)'],
  ['skip-outbound-ports', keys.skipOutboundPorts, 'outbound ports and ranges that bypass the proxy (default 4567,4568)'],
  ['skip-subnets', keys.skipSubnets, 'CIDRs whose traffic bypasses the proxy'],
  ['opaque-ports', keys.opaquePorts, 'ports, ranges and port names without protocol detection (default 25,587,3306,4444,5432,6379,9300,11211)'],
  ['default-inbound-policy', keys.defaultInboundPolicy, 'policy for ports no Server selects (default all-unauthenticated)'],
  ['require-identity-on-inbound-ports', keys.requireIdentityInboundPorts, 'inbound ports that only meshed clients may reach'],
  ['proxy-cpu-request', keys.cpuRequest, 'CPU the proxy requests'],
  ['proxy-cpu-limit', keys.cpuLimit, 'most CPU the proxy may use'],
  ['proxy-memory-request', keys.memoryRequest, 'memory the proxy requests'],
  ['proxy-memory-limit', keys.memoryLimit, 'most memory the proxy may use'],
  ['wait-before-exit-seconds', keys.waitBeforeExitSeconds, 'seconds the classic sidecar waits before it stops'],
  ['enable-external-profiles', keys.enableExternalProfiles, 'true: look up service profiles for names outside the cluster'],
];

/**
 * The annotations the given flag values stand for, each checked (throws naming the flag). The
 * native-sidecar choice is passed as a boolean and becomes Linkerd's beta annotation.
 */
export function flagOverrides(values: Readonly<Record<string, string | undefined>>, nativeSidecar: boolean | undefined, base: ProxyConfig): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const [flag, annotation] of proxyFlags) {
    const value = values[flag];
    if (value === undefined) continue;
    try {
      strictConfigAnnotations(base, { [annotation]: value });
    } catch (error) {
      throw new Error(`--${flag}: ${(error as Error).message.replace(/^[^:]+: /, '')}`, { cause: error });
    }
    overrides[annotation] = value;
  }
  if (nativeSidecar !== undefined) overrides[keys.nativeSidecar] = String(nativeSidecar);
  return overrides;
}

/**
 * Linkerd writes `--native-sidecar` as a Go boolean flag (`--native-sidecar=false` turns it off);
 * Node's parser has no such form, so those spellings are read here and taken out of argv.
 */
export function extractNativeSidecar(argv: readonly string[]): { readonly argv: readonly string[]; readonly nativeSidecar: boolean | undefined } {
  let nativeSidecar: boolean | undefined;
  const rest: string[] = [];
  for (const arg of argv) {
    const match = /^--(no-)?native-sidecar(?:=(.*))?$/.exec(arg);
    if (match === null) {
      rest.push(arg);
      continue;
    }
    const value = match[2];
    if (match[1] !== undefined && value !== undefined) throw new Error(`--no-native-sidecar takes no value; got ${JSON.stringify(arg)}`);
    if (value !== undefined && value !== 'true' && value !== 'false') throw new Error(`--native-sidecar must be true or false; got ${JSON.stringify(value)}`);
    nativeSidecar = match[1] !== undefined ? false : value !== 'false';
  }
  return { argv: rest, nativeSidecar };
}
