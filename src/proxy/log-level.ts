/**
 * The proxy's log filter, as `LINKERD2_PROXY_LOG` writes it and the admin server's
 * `/proxy-log-level` reads and replaces it: comma-separated directives, each a bare level (the
 * default for every target), `target=level` (targets matched by prefix, the longest match wins) or
 * `[span{field}]=level` (accepted and kept, but they only narrow logging inside spans, which Sinew
 * does not have, so they never change a level here). Levels are trace, debug, info, warn, error and
 * off, in any case. The default level is the first bare level; with none, targets that no directive
 * names log nothing, and an empty filter logs errors (as tracing's `EnvFilter` reads them).
 *
 * A setting changes only by `set`, which replaces it whole or, on a bad filter, not at all; a
 * logger made by `followLogLevel` reads the setting at each record, so a change takes effect at once.
 */
import type { LogFields, Logger, LogLevel } from '../observe/logger.js';

export type FilterLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'off';

export const filterLevels: readonly FilterLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'off'];

/** The target the proxy's own records are logged under, so `linkerd=info` applies to them as to Linkerd's. */
export const proxyLogTarget = 'linkerd';

export interface LogDirective {
  readonly target: string | undefined;
  readonly span: string | undefined;
  readonly level: FilterLevel;
}

export interface LogFilter {
  readonly text: string;
  readonly directives: readonly LogDirective[];
  readonly defaultLevel: FilterLevel;
}

export class LogFilterError extends Error {
  override readonly name = 'LogFilterError';
}

function levelNamed(text: string): FilterLevel | undefined {
  const lower = text.toLowerCase();
  return (filterLevels as readonly string[]).includes(lower) ? lower as FilterLevel : undefined;
}

const levelList = filterLevels.join(', ');

function parseDirective(text: string): LogDirective | string {
  const match = /^([A-Za-z0-9_][\w:.-]*)?(?:\[([^\]]*)\])?(?:=(.*))?$/.exec(text);
  if (match === null) return `"${text}" is not a directive (a level, target=level or [span{field}]=level)`;
  const [, target, span, levelText] = match;
  if (levelText === undefined) {
    const bare = target !== undefined && span === undefined ? levelNamed(target) : undefined;
    if (bare !== undefined) return { target: undefined, span: undefined, level: bare };
    return `"${text}" is neither a level (${levelList}) nor a target=level directive`;
  }
  const level = levelNamed(levelText);
  if (level === undefined) return `"${text}": "${levelText}" is not a level (${levelList})`;
  if (target === undefined && span === undefined) return `"${text}" names no target before "="`;
  return { target, span, level };
}

/** The filter `text` describes; a LogFilterError naming every bad directive when it is not one. */
export function parseLogFilter(text: string): LogFilter {
  const directives: LogDirective[] = [];
  const problems: string[] = [];
  for (const part of text.split(',')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const parsed = parseDirective(trimmed);
    if (typeof parsed === 'string') problems.push(parsed);
    else directives.push(parsed);
  }
  if (problems.length > 0) throw new LogFilterError(`bad log filter directive ${problems.join('; ')}`);
  const bare = directives.find((d) => d.target === undefined && d.span === undefined);
  const defaultLevel = bare?.level ?? (directives.length === 0 ? 'error' : 'off');
  return { text: text.trim(), directives, defaultLevel };
}

/** The level `filter` sets for records logged under `target`. */
export function levelFor(filter: LogFilter, target: string): FilterLevel {
  let best: LogDirective | undefined;
  for (const directive of filter.directives) {
    if (directive.span !== undefined || directive.target === undefined || !target.startsWith(directive.target)) continue;
    if (best === undefined || directive.target.length >= (best.target as string).length) best = directive;
  }
  return best?.level ?? filter.defaultLevel;
}

export interface LogLevelSetting {
  /** The filter as last set. */
  get(): string;
  /** Replaces the filter; a LogFilterError naming the bad directives leaves it unchanged. */
  set(filter: string): void;
  /** The level for records logged under `target` (the proxy's own by default). */
  level(target?: string): FilterLevel;
}

export function logLevelSetting(initial: string): LogLevelSetting {
  let current = parseLogFilter(initial);
  return {
    get: () => current.text,
    set: (filter) => { current = parseLogFilter(filter); },
    level: (target = proxyLogTarget) => levelFor(current, target),
  };
}

const rank: Readonly<Record<FilterLevel, number>> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, off: 5 };

/** Whether a record at `level` passes the setting's level for `target`. */
export function logEnabled(setting: LogLevelSetting, level: LogLevel, target = proxyLogTarget): boolean {
  const threshold = setting.level(target);
  return threshold !== 'off' && rank[level] >= rank[threshold];
}

/**
 * A logger that passes `inner`'s records on while the setting allows their level; `inner` should
 * be created at level `debug` so the setting alone decides.
 */
export function followLogLevel(setting: LogLevelSetting, inner: Logger, target = proxyLogTarget): Logger {
  const gate = (level: LogLevel) => (msg: string, fields?: LogFields) => {
    if (logEnabled(setting, level, target)) inner[level](msg, fields);
  };
  return {
    debug: gate('debug'), info: gate('info'), warn: gate('warn'), error: gate('error'),
    child: (fields) => followLogLevel(setting, inner.child(fields), target),
  };
}
