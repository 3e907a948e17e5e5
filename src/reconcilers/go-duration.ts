/**
 * Durations as Go writes them (`time.ParseDuration`), the form Linkerd's resources and flags use:
 * a sequence of decimal numbers with units, such as `24h`, `20s`, `1h30m` or `1.5s`; units ns,
 * us (or µs), ms, s, m, h; a bare `0` is zero. Signs are not accepted: every Sinew duration is a
 * length.
 */
const unitMs: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds in a Go-style duration, or undefined if the text is not one. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (!/^(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))*$/.test(text)) return undefined;
  let total = 0;
  for (const [, number, unit] of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(number) * (unitMs[unit as string] as number);
  }
  return total;
}
