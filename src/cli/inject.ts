/**
 * `sinew inject`: adds the mesh to Kubernetes manifests. By default only the annotation
 * `linkerd.io/inject: enabled` (the proxy-injector webhook does the rest when the pods are
 * created); with `--manual`, the whole sidecar as the webhook would write it. As Linkerd's does,
 * it first uninjects what it is given, so injecting twice is injecting once.
 */
import fs from 'node:fs';
import { isDnsLabel, isTrustDomain } from '../identity/identity-name.js';
import { extractNativeSidecar, flagOverrides, proxyFlags } from '../inject/cli-flags.js';
import { injectWorkload } from '../inject/inject.js';
import type { InjectReport } from '../inject/inject-report.js';
import { renderManifests, transformManifests } from '../inject/manifest-documents.js';
import { readManifests, readProcessStdin, type InputReaders } from '../inject/manifest-input.js';
import { createdBy, defaultMeshConfig, type MeshConfig } from '../inject/proxy-config.js';
import { injectReportText } from '../inject/report-text.js';
import { uninjectWorkload } from '../inject/uninject.js';
import { oneOf, parse, type Options } from './args.js';
import type { CommandIo } from './command-io.js';
import { UsageError } from './usage-error.js';

/** A CommandIo that may also say how to read standard input and URLs (tests use this). */
export type ManifestIo = CommandIo & Partial<InputReaders>;

export const injectHelp = `Usage: sinew inject [flags] INPUT...

Adds the Sinew (Linkerd-compatible) proxy to Kubernetes manifests and prints them.
INPUT is a file, a directory (searched recursively for *.yaml, *.yml and *.json),
- for standard input, or an http(s) URL. Multi-document YAML and kind: List are
read; Deployments, DaemonSets, StatefulSets, ReplicaSets, ReplicationControllers,
Jobs, CronJobs and Pods are injected, Namespaces annotated, other kinds passed on.

By default the pod templates get the annotation linkerd.io/inject: enabled (and
the proxy flags below as config.linkerd.io/* annotations), and the proxy-injector
webhook adds the proxy when the pods are created. With --manual the proxy is
written into the manifests.

Examples:
  kubectl get deploy -o yaml | sinew inject - | kubectl apply -f -
  sinew inject --manual k8s/ | kubectl apply -f -

Flags:
      --manual                           write the proxy and proxy-init containers into the output
      --native-sidecar[=true|false]      run the proxy as a native sidecar (an init container with
                                         restartPolicy: Always; the default); false: a regular container
  -o, --output yaml|json                 output format (default yaml)
  -L, --linkerd-namespace NS             the control plane's namespace (default linkerd)
      --cluster-domain DOMAIN            default cluster.local
      --identity-trust-domain DOMAIN     default cluster.local
      --identity-trust-anchors-file FILE the trust anchors (PEM) written into manually injected proxies;
                                         without it they read the linkerd-identity-trust-roots ConfigMap
${proxyFlags.map(([flag, , help]) => `      --${`${flag} VALUE`.padEnd(33)}${help}`).join('\n')}
  -h, --help                             show this help

Skipped, with the reason on standard error: pods with hostNetwork: true, pods that
already have a proxy (Sinew's, Linkerd's or another mesh's), and pods annotated
linkerd.io/inject: disabled. Pods with UDP ports are injected with a warning.
Exit status 1 when an input or a document could not be read; the others are still printed.
`;

const options = {
  manual: { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  'linkerd-namespace': { type: 'string', short: 'L' },
  'cluster-domain': { type: 'string' },
  'identity-trust-domain': { type: 'string' },
  'identity-trust-anchors-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  ...Object.fromEntries(proxyFlags.map(([flag]) => [flag, { type: 'string' }])),
} satisfies Options;

function readAnchors(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--identity-trust-anchors-file ${JSON.stringify(file)}: ${(error as Error).message}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--identity-trust-anchors-file ${JSON.stringify(file)}: not a PEM certificate bundle`);
  return pem;
}

function meshFrom(values: Readonly<Record<string, string | boolean | undefined>>): MeshConfig {
  const text = (flag: string) => values[flag] as string | undefined;
  const controllerNamespace = text('linkerd-namespace') ?? 'linkerd';
  if (!isDnsLabel(controllerNamespace)) throw new UsageError(`--linkerd-namespace must be a DNS label; got ${JSON.stringify(controllerNamespace)}`);
  for (const flag of ['cluster-domain', 'identity-trust-domain']) {
    const value = text(flag);
    if (value !== undefined && !isTrustDomain(value)) throw new UsageError(`--${flag} must be a DNS name; got ${JSON.stringify(value)}`);
  }
  const trustAnchorsPem = readAnchors(text('identity-trust-anchors-file'));
  return defaultMeshConfig({
    controllerNamespace,
    clusterDomain: text('cluster-domain') ?? 'cluster.local',
    trustDomain: text('identity-trust-domain') ?? 'cluster.local',
    ...(trustAnchorsPem === undefined ? {} : { trustAnchorsPem }),
  });
}

/** Reads the inputs, transforms every object, prints the result and the errors; 1 if any error. */
export async function runManifestCommand(
  inputs: readonly string[],
  io: ManifestIo,
  format: 'yaml' | 'json',
  transform: (object: Record<string, unknown>) => Record<string, unknown>,
): Promise<number> {
  const sources = await readManifests(inputs, {
    readStdin: io.readStdin ?? readProcessStdin,
    fetchTimeoutMs: io.fetchTimeoutMs ?? 30_000,
    maxUrlBytes: io.maxUrlBytes ?? 16 * 1024 * 1024,
  });
  const { objects, errors } = transformManifests(sources, transform);
  if (objects.length > 0) io.out(renderManifests(objects, format));
  for (const error of errors) io.err(`error: ${error}\n`);
  return errors.length > 0 ? 1 : 0;
}

export async function injectCommand(argv: readonly string[], io: ManifestIo): Promise<number> {
  let native;
  try {
    native = extractNativeSidecar(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parse(native.argv, options);
  if (values.help === true) {
    io.out(injectHelp);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('name at least one input: a file, a directory, - for standard input, or a URL');
  const format = oneOf('--output', values.output, ['yaml', 'json'] as const, 'yaml');
  const mesh = meshFrom(values);
  let overrides: Record<string, string>;
  try {
    overrides = flagOverrides(values as Record<string, string | undefined>, native.nativeSidecar, mesh.proxy);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const manual = values.manual === true;
  if (manual && mesh.trustAnchorsPem === undefined) {
    io.err('warning: without --identity-trust-anchors-file the proxies read their trust anchors from the '
      + `linkerd-identity-trust-roots ConfigMap, which only pods in the ${mesh.controllerNamespace} namespace can reach\n`);
  }
  const reports: InjectReport[] = [];
  const code = await runManifestCommand(positionals, io, format, (object) => {
    const result = injectWorkload(uninjectWorkload(object).object, {
      mesh, mode: manual ? 'manual' : 'annotate', origin: 'cli', createdBy: createdBy('cli'), overrides,
    });
    reports.push(result.report);
    return result.object;
  });
  io.err(injectReportText(reports));
  return code;
}
