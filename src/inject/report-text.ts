/**
 * The reports `sinew inject` and `sinew uninject` print on standard error, in the shape of
 * Linkerd's: a block of warnings (‼), then one line per object (`deployment "web" injected`,
 * `deployment "db" skipped: <reason>`), framed by blank lines so they stand apart from YAML
 * piped on.
 */
import { resourceName, skipReasonText, type InjectReport, type UninjectReport } from './inject-report.js';

const warn = '‼';

function joined(names: readonly string[]): string {
  return names.join(', ');
}

function warnings(reports: readonly InjectReport[]): readonly string[] {
  const lines: string[] = [];
  const having = (test: (r: InjectReport) => boolean) => reports.filter(test).map(resourceName);
  const hostNetwork = having((r) => r.reasons.includes('host_network_enabled'));
  if (hostNetwork.length > 0) lines.push(`${warn} "hostNetwork: true" detected in ${joined(hostNetwork)}`);
  const sidecar = having((r) => r.reasons.includes('sidecar_already_exists'));
  if (sidecar.length > 0) lines.push(`${warn} known 3rd party sidecar detected in ${joined(sidecar)}`);
  const disabled = having((r) => r.reasons.includes('injection_disable_annotation_present'));
  if (disabled.length > 0) lines.push(`${warn} "linkerd.io/inject: disabled" annotation set on ${joined(disabled)}`);
  if (!reports.some((r) => r.outcome !== 'skipped')) lines.push(`${warn} no supported objects found`);
  const udp = having((r) => r.udp);
  if (udp.length > 0) lines.push(`${warn} ${joined(udp)} ${udp.length > 1 ? 'use' : 'uses'} "protocol: UDP"`);
  for (const report of reports) {
    for (const warning of report.warnings) lines.push(`${warn} ${resourceName(report)}: ${warning}`);
  }
  return lines;
}

function summary(report: InjectReport): string {
  const head = `${report.kind} "${report.name}"`;
  if (report.outcome !== 'skipped') return `${head} injected`;
  return `${head} skipped: ${report.reasons.map((reason) => skipReasonText[reason]).join('; ')}`;
}

export function injectReportText(reports: readonly InjectReport[]): string {
  const lines = warnings(reports);
  return `\n${lines.map((line) => `${line}\n`).join('')}${lines.length > 0 ? '\n' : ''}${reports.map((r) => `${summary(r)}\n`).join('')}\n`;
}

export function uninjectReportText(reports: readonly UninjectReport[]): string {
  return `\n${reports.map((r) => `${r.kind} "${r.name}" ${r.outcome}\n`).join('')}\n`;
}
