/**
 * The three query shapes Linkerd's metrics API sends to Prometheus, as values, and their PromQL
 * text: `sum(increase(M{…}[W])) by (…)`, `histogram_quantile(Q, sum(irate(M_bucket{…}[W])) by (le, …))`
 * and `sum(M{…}) by (…)`. A MetricsBackend answers them: Prometheus (prometheus-backend.ts) by
 * running the text, the embedded backend (embedded-backend.ts) by computing the same functions
 * over the samples it scraped.
 *
 * Contract: `renderPromQl` writes matchers sorted by their text and groupings as given, as Linkerd
 * writes its queries; a sample's value is NaN where PromQL's would be (a quantile of no traffic).
 */

export interface Matcher {
  readonly name: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

export type MetricQuery =
  | { readonly kind: 'increase'; readonly metric: string; readonly matchers: readonly Matcher[]; readonly window: string; readonly by: readonly string[] }
  | {
    readonly kind: 'quantile'; readonly quantile: number; readonly metric: string; readonly matchers: readonly Matcher[];
    readonly window: string; readonly by: readonly string[];
  }
  | { readonly kind: 'gauge'; readonly metric: string; readonly matchers: readonly Matcher[]; readonly by: readonly string[] };

export interface VectorSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricsBackend {
  /** Where the numbers come from, for messages: `prometheus at http://…` or `embedded`. */
  readonly description: string;
  query(query: MetricQuery): Promise<readonly VectorSample[]>;
}

export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendError';
  }
}

export const eq = (name: string, value: string): Matcher => ({ name, op: '=', value });

function quote(value: string): string {
  return JSON.stringify(value);
}

export function renderMatchers(matchers: readonly Matcher[]): string {
  return `{${matchers.map((m) => `${m.name}${m.op}${quote(m.value)}`).sort().join(', ')}}`;
}

/** Linkerd writes quantiles as `0.5`, `0.95`, `0.99`. */
function quantileText(quantile: number): string {
  return String(quantile);
}

export function renderPromQl(query: MetricQuery): string {
  const selector = `${query.metric}${renderMatchers(query.matchers)}`;
  switch (query.kind) {
    case 'increase':
      return `sum(increase(${selector}[${query.window}])) by (${query.by.join(', ')})`;
    case 'quantile':
      return `histogram_quantile(${quantileText(query.quantile)}, sum(irate(${selector}[${query.window}])) by (${['le', ...query.by].join(', ')}))`;
    case 'gauge':
      return `sum(${selector}) by (${query.by.join(', ')})`;
  }
}

/** Whether a series' labels satisfy every matcher (a missing label is the empty string, as in PromQL). */
export function matches(labels: Readonly<Record<string, string>>, matchers: readonly Matcher[]): boolean {
  return matchers.every((m) => {
    const value = labels[m.name] ?? '';
    switch (m.op) {
      case '=': return value === m.value;
      case '!=': return value !== m.value;
      case '=~': return anchored(m.value).test(value);
      case '!~': return !anchored(m.value).test(value);
    }
  });
}

const regexCache = new Map<string, RegExp>();

/** PromQL regexes are fully anchored. */
function anchored(pattern: string): RegExp {
  let regex = regexCache.get(pattern);
  if (regex === undefined) {
    regex = new RegExp(`^(?:${pattern})$`, 's');
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(pattern, regex);
  }
  return regex;
}
