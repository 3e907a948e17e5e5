/**
 * What the demo tells each pod's application process (demo-app.ts) on its command line, and what
 * a load generator reports back on its standard output, one JSON object a line.
 *
 * Contract: `parseAppConfig` accepts exactly what `appArgs` writes and names the field that is
 * wrong otherwise; `parseLoadReport` returns undefined for a line that is not a report. Neither
 * module imports anything heavy: every pod's application loads this file.
 */

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** A Service as a client reaches it: its own proxy's listener, the authority it names, a path. */
export interface CallTarget extends HostPort {
  readonly service: string;
  readonly authority: string;
  readonly path: string;
}

export interface LoadTarget extends CallTarget {
  /** Requests a second. */
  readonly rps: number;
}

export type AppConfig =
  | { readonly role: 'serve'; readonly name: string; readonly listen: HostPort }
  | { readonly role: 'relay'; readonly name: string; readonly listen: HostPort; readonly downstream: readonly CallTarget[] }
  | { readonly role: 'load'; readonly name: string; readonly targets: readonly LoadTarget[]; readonly reportMs: number };

/** One target's counts since the load generator started. */
export interface TargetCounts {
  readonly sent: number;
  /** Answered 2xx. */
  readonly ok: number;
  /** Anything else: another status, or no answer (`error`). */
  readonly failed: number;
  readonly statuses: Readonly<Record<string, number>>;
  /** The last failure, for the summary (`503 …`, `error ECONNREFUSED`). */
  readonly lastFailure?: string;
}

export interface LoadReport {
  /** Milliseconds since the generator started sending. */
  readonly elapsedMs: number;
  readonly targets: Readonly<Record<string, TargetCounts>>;
  /** The last report, written once every request in flight has finished. */
  readonly final: boolean;
}

export class AppConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AppConfigError';
  }
}

export function appArgs(config: AppConfig): string[] {
  return [JSON.stringify(config)];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hostPort(value: unknown, field: string): HostPort {
  if (!isRecord(value) || typeof value.host !== 'string' || !Number.isInteger(value.port) || (value.port as number) < 1 || (value.port as number) > 65535) {
    throw new AppConfigError(`${field} must be {host, port} with a port from 1 to 65535`);
  }
  return { host: value.host, port: value.port as number };
}

function callTarget(value: unknown, field: string): CallTarget {
  const at = hostPort(value, field);
  const record = value as Record<string, unknown>;
  for (const key of ['service', 'authority', 'path'] as const) {
    if (typeof record[key] !== 'string' || record[key] === '') throw new AppConfigError(`${field}.${key} must be a non-empty string`);
  }
  return { ...at, service: record.service as string, authority: record.authority as string, path: record.path as string };
}

function list<T>(value: unknown, field: string, item: (entry: unknown, name: string) => T): T[] {
  if (!Array.isArray(value) || value.length === 0) throw new AppConfigError(`${field} must be a non-empty list`);
  return value.map((entry, i) => item(entry, `${field}[${i}]`));
}

export function parseAppConfig(text: string | undefined): AppConfig {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch {
    throw new AppConfigError('the argument must be the application\'s JSON configuration');
  }
  if (!isRecord(value) || typeof value.name !== 'string' || value.name === '') throw new AppConfigError('name must be a non-empty string');
  const name = value.name;
  if (value.role === 'serve') return { role: 'serve', name, listen: hostPort(value.listen, 'listen') };
  if (value.role === 'relay') return { role: 'relay', name, listen: hostPort(value.listen, 'listen'), downstream: list(value.downstream, 'downstream', callTarget) };
  if (value.role === 'load') {
    const targets = list(value.targets, 'targets', (entry, field) => {
      const rps = isRecord(entry) ? entry.rps : undefined;
      if (typeof rps !== 'number' || !(rps > 0) || rps > 10_000) throw new AppConfigError(`${field}.rps must be a number above 0 and at most 10000`);
      return { ...callTarget(entry, field), rps };
    });
    const reportMs = value.reportMs;
    if (typeof reportMs !== 'number' || !(reportMs >= 50)) throw new AppConfigError('reportMs must be a number of at least 50');
    return { role: 'load', name, targets, reportMs };
  }
  throw new AppConfigError(`role must be serve, relay or load; got ${JSON.stringify(value.role)}`);
}

export function parseLoadReport(line: string): LoadReport | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || typeof value.elapsedMs !== 'number' || !isRecord(value.targets) || typeof value.final !== 'boolean') return undefined;
  return value as unknown as LoadReport;
}
