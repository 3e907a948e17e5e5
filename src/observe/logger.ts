/**
 * Structured logging: one line per record on stderr, `level=… msg=… key=value …` (logfmt) or JSON.
 *
 * Values are escaped, so a name taken from an object (which an attacker may control) can never
 * forge a log line or a field.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: 'logfmt' | 'json';
  readonly write: (line: string) => void;
  readonly now: () => Date;
}

export function createLogger(options: Partial<LoggerOptions> = {}, bound: LogFields = {}): Logger {
  const opts: LoggerOptions = {
    level: options.level ?? 'info',
    format: options.format ?? 'logfmt',
    write: options.write ?? ((line) => process.stderr.write(line + '\n')),
    now: options.now ?? (() => new Date()),
  };
  const emit = (level: LogLevel) => (msg: string, fields: LogFields = {}) => {
    if (rank[level] < rank[opts.level]) return;
    const record = { time: opts.now().toISOString(), level, msg, ...bound, ...fields };
    opts.write(opts.format === 'json' ? JSON.stringify(record) : logfmt(record));
  };
  return {
    debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error'),
    child: (fields) => createLogger(opts, { ...bound, ...fields }),
  };
}

/** A logger that drops everything (tests that assert on behaviour, not on logs). */
export const silentLogger: Logger = createLogger({ write: () => undefined, level: 'error' });

function logfmt(record: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    const text = String(value);
    parts.push(`${key}=${/^[\w./:@+-]+$/.test(text) ? text : JSON.stringify(text)}`);
  }
  return parts.join(' ');
}
