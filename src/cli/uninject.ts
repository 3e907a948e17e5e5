/**
 * `sinew uninject`: removes the mesh from Kubernetes manifests: the proxy and proxy-init
 * containers, their volumes, and the labels and annotations injection added (a
 * `linkerd.io/inject: disabled` annotation stays).
 */
import type { UninjectReport } from '../inject/inject-report.js';
import { uninjectReportText } from '../inject/report-text.js';
import { uninjectWorkload } from '../inject/uninject.js';
import { oneOf, parse } from './args.js';
import { runManifestCommand, type ManifestIo } from './inject.js';
import { UsageError } from './usage-error.js';

export const uninjectHelp = `Usage: sinew uninject [flags] INPUT...

Removes the Sinew (Linkerd-compatible) proxy from Kubernetes manifests and prints them.
INPUT is a file, a directory (searched recursively for *.yaml, *.yml and *.json),
- for standard input, or an http(s) URL. Multi-document YAML and kind: List are read.

Examples:
  kubectl get deploy -o yaml | sinew uninject - | kubectl apply -f -
  sinew uninject k8s/ > plain.yaml

Flags:
  -o, --output yaml|json   output format (default yaml)
  -h, --help               show this help

Exit status 1 when an input or a document could not be read; the others are still printed.
`;

export async function uninjectCommand(argv: readonly string[], io: ManifestIo): Promise<number> {
  const { values, positionals } = parse(argv, { output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } });
  if (values.help === true) {
    io.out(uninjectHelp);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('name at least one input: a file, a directory, - for standard input, or a URL');
  const format = oneOf('--output', values.output, ['yaml', 'json'] as const, 'yaml');
  const reports: UninjectReport[] = [];
  const code = await runManifestCommand(positionals, io, format, (object) => {
    const result = uninjectWorkload(object);
    reports.push(result.report);
    return result.object;
  });
  io.err(uninjectReportText(reports));
  return code;
}
