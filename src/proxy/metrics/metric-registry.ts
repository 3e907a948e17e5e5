/**
 * The proxy's metric families, in the order they are rendered, with one series cap and one idle
 * retention for all of them, and the count of label sets each family refused when full.
 *
 * Contract: family names are unique and valid (a clash or a bad name throws MetricRegistryError,
 * a programming error). `render` sweeps idle series, then writes every family that has a series,
 * then `proxy_metrics_series_dropped_total{family}` for the families that refused any. The series
 * count is bounded by `maxSeriesPerFamily + 1` per family, so a render is bounded too.
 */
import { CounterFamily, type FamilyOptions, GaugeFamily, HistogramFamily } from './bounded-family.js';
import { escapeLabelValue, type LabelText } from './label-set.js';
import { isValidMetricName, writeHeader, writeSample } from './prometheus-text.js';

export interface MetricRegistryOptions {
  /** Most series one family holds before new label sets share its overflow series. */
  readonly maxSeriesPerFamily?: number;
  /** How long a series nobody holds or updates is kept. Default 10 minutes, as Linkerd's proxy. */
  readonly retainIdleMs?: number;
  /** Milliseconds, monotonic. */
  readonly now?: () => number;
}

export interface FamilyOverrides {
  /** Infinity for families whose series are fixed (build info, identity). */
  readonly retainIdleMs?: number;
  readonly maxSeries?: number;
}

export class MetricRegistryError extends Error {
  override readonly name = 'MetricRegistryError';
}

export const defaultMaxSeriesPerFamily = 10_000;
export const defaultRetainIdleMs = 10 * 60 * 1000;
export const droppedSeriesName = 'proxy_metrics_series_dropped_total';

type AnyFamily = CounterFamily | GaugeFamily | HistogramFamily;

export class MetricRegistry {
  private readonly families: AnyFamily[] = [];
  private readonly dropped = new Map<string, number>();
  private readonly maxSeries: number;
  private readonly retainIdleMs: number;
  private readonly now: () => number;

  constructor(options: MetricRegistryOptions = {}) {
    this.maxSeries = options.maxSeriesPerFamily ?? defaultMaxSeriesPerFamily;
    this.retainIdleMs = options.retainIdleMs ?? defaultRetainIdleMs;
    this.now = options.now ?? (() => performance.now());
    if (!Number.isInteger(this.maxSeries) || this.maxSeries < 1) {
      throw new MetricRegistryError(`maxSeriesPerFamily must be a positive integer, not ${this.maxSeries}`);
    }
    if (!(this.retainIdleMs > 0)) throw new MetricRegistryError(`retainIdleMs must be positive, not ${this.retainIdleMs}`);
  }

  counter(name: string, help: string, overrides: FamilyOverrides = {}): CounterFamily {
    return this.add(new CounterFamily(this.options(name, help, overrides)));
  }

  gauge(name: string, help: string, overrides: FamilyOverrides = {}): GaugeFamily {
    return this.add(new GaugeFamily(this.options(name, help, overrides)));
  }

  histogram(name: string, help: string, bounds: readonly number[], overrides: FamilyOverrides = {}): HistogramFamily {
    const increasing = bounds.every((bound, i) => Number.isFinite(bound) && (i === 0 || bound > (bounds[i - 1] as number)));
    if (!increasing) throw new MetricRegistryError(`histogram ${name}: bucket bounds must be finite and strictly increasing`);
    return this.add(new HistogramFamily(this.options(name, help, overrides), bounds));
  }

  /** Label sets refused so far by one family because it was full. */
  droppedBy(family: string): number {
    return this.dropped.get(family) ?? 0;
  }

  render(out: string[] = []): string[] {
    const now = this.now();
    for (const family of this.families) {
      family.sweep(now);
      family.render(out);
    }
    if (this.dropped.size > 0) {
      writeHeader(out, droppedSeriesName, 'Label sets mapped to a family\'s overflow series because the family held its maximum number of series', 'counter');
      for (const [family, count] of this.dropped) writeSample(out, droppedSeriesName, `family="${escapeLabelValue(family)}"` as LabelText, count);
    }
    return out;
  }

  private options(name: string, help: string, overrides: FamilyOverrides): FamilyOptions {
    if (!isValidMetricName(name)) throw new MetricRegistryError(`metric name ${JSON.stringify(name)} is not valid`);
    if (name === droppedSeriesName || this.families.some((family) => family.name === name)) {
      throw new MetricRegistryError(`metric family ${name} is registered twice`);
    }
    return {
      name,
      help,
      maxSeries: overrides.maxSeries ?? this.maxSeries,
      retainIdleMs: overrides.retainIdleMs ?? this.retainIdleMs,
      now: this.now,
      onDrop: () => this.dropped.set(name, (this.dropped.get(name) ?? 0) + 1),
    };
  }

  private add<F extends AnyFamily>(family: F): F {
    this.families.push(family);
    return family;
  }
}
