/**
 * Metric families (counter, gauge, histogram) with a capped number of series.
 *
 * The hot path never hashes labels: `lease(labels)` resolves a label text to its series once (per
 * connection, endpoint or route) and returns a handle whose `inc`/`observe` is a number add on a
 * cell the family renders. `add`/`set`/`observe` by label text resolve on every call and are for
 * rare events (errors, denials).
 *
 * Contract:
 * - Cap: a family holds at most `maxSeries` series. A label text first seen while the family is
 *   full maps to the family's one overflow series, labelled `overflow="true"` (so at most
 *   `maxSeries + 1` series are rendered), and `onDrop` is called for that resolution; values
 *   arriving from requests can therefore never grow memory or the scrape without bound.
 * - Retention: a series is removed once nobody holds a lease on it and it has not been leased,
 *   released or touched for `retainIdleMs` (Infinity keeps it forever). A removed series that
 *   comes back starts from zero, which Prometheus reads as a counter reset. Idle series are swept
 *   at every render, and at most once a second when a full family is asked for a new series, so
 *   departed endpoints make room for new ones. The overflow series is never removed.
 * - `release` is idempotent; counting on a lease after its release still adds to the cell, which
 *   may already be gone.
 * - Counters ignore increments that are not positive numbers; histograms ignore NaN.
 */
import { type LabelText } from './label-set.js';
import { type MetricType, bucketSuffixes, writeHeader, writeHistogram, writeSample } from './prometheus-text.js';

export interface FamilyOptions {
  readonly name: string;
  readonly help: string;
  readonly maxSeries: number;
  readonly retainIdleMs: number;
  /** Milliseconds, monotonic. */
  readonly now: () => number;
  /** Called each time a new label text is refused because the family is full. */
  readonly onDrop: () => void;
}

export const overflowLabels = 'overflow="true"' as LabelText;

export interface CounterLease {
  inc(by?: number): void;
  release(): void;
}

export interface GaugeLease {
  inc(by?: number): void;
  dec(by?: number): void;
  set(value: number): void;
  release(): void;
}

export interface HistogramLease {
  observe(value: number): void;
  release(): void;
}

interface Series<C> {
  readonly labels: LabelText;
  readonly cell: C;
  holders: number;
  touchedAt: number;
}

interface ValueCell {
  value: number;
}

interface HistogramCell {
  readonly counts: Float64Array;
  sum: number;
}

const fullSweepIntervalMs = 1000;

class SeriesTable<C> {
  private readonly series = new Map<LabelText, Series<C>>();
  private overflowSeries: Series<C> | undefined;
  private lastFullSweep = -Infinity;

  constructor(private readonly options: FamilyOptions, private readonly newCell: () => C) {}

  get size(): number {
    return this.series.size + (this.overflowSeries === undefined ? 0 : 1);
  }

  acquire(labels: LabelText): Series<C> {
    const series = this.find(labels);
    series.holders += 1;
    return series;
  }

  release(series: Series<C>): void {
    series.holders -= 1;
    series.touchedAt = this.options.now();
  }

  touch(labels: LabelText): Series<C> {
    const series = this.find(labels);
    series.touchedAt = this.options.now();
    return series;
  }

  sweep(now: number = this.options.now()): void {
    const { retainIdleMs } = this.options;
    if (retainIdleMs === Infinity) return;
    for (const [labels, series] of this.series) {
      if (series.holders <= 0 && now - series.touchedAt >= retainIdleMs) this.series.delete(labels);
    }
  }

  *entries(): IterableIterator<Series<C>> {
    yield* this.series.values();
    if (this.overflowSeries !== undefined) yield this.overflowSeries;
  }

  private find(labels: LabelText): Series<C> {
    const found = this.series.get(labels);
    if (found !== undefined) return found;
    if (this.series.size >= this.options.maxSeries) {
      const now = this.options.now();
      if (now - this.lastFullSweep >= fullSweepIntervalMs) {
        this.lastFullSweep = now;
        this.sweep(now);
      }
      if (this.series.size >= this.options.maxSeries) {
        this.options.onDrop();
        return this.overflow();
      }
    }
    const created: Series<C> = { labels, cell: this.newCell(), holders: 0, touchedAt: this.options.now() };
    this.series.set(labels, created);
    return created;
  }

  private overflow(): Series<C> {
    this.overflowSeries ??= { labels: overflowLabels, cell: this.newCell(), holders: 0, touchedAt: 0 };
    return this.overflowSeries;
  }
}

class Held<C> {
  private released = false;
  protected readonly cell: C;

  constructor(private readonly series: Series<C>, private readonly table: SeriesTable<C>) {
    this.cell = series.cell;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.table.release(this.series);
  }
}

class HeldCounter extends Held<ValueCell> implements CounterLease {
  inc(by = 1): void {
    if (by > 0) this.cell.value += by;
  }
}

class HeldGauge extends Held<ValueCell> implements GaugeLease {
  inc(by = 1): void {
    this.cell.value += by;
  }

  dec(by = 1): void {
    this.cell.value -= by;
  }

  set(value: number): void {
    this.cell.value = value;
  }
}

class HeldHistogram extends Held<HistogramCell> implements HistogramLease {
  constructor(series: Series<HistogramCell>, table: SeriesTable<HistogramCell>, private readonly bounds: Float64Array) {
    super(series, table);
  }

  observe(value: number): void {
    observeInto(this.cell, this.bounds, value);
  }
}

abstract class Family<C> {
  abstract readonly type: MetricType;
  protected readonly table: SeriesTable<C>;

  constructor(protected readonly options: FamilyOptions, newCell: () => C) {
    this.table = new SeriesTable(options, newCell);
  }

  get name(): string {
    return this.options.name;
  }

  /** Series held now, the overflow series included. */
  get size(): number {
    return this.table.size;
  }

  sweep(now?: number): void {
    this.table.sweep(now);
  }

  render(out: string[]): void {
    if (this.table.size === 0) return;
    writeHeader(out, this.options.name, this.options.help, this.type);
    for (const series of this.table.entries()) this.renderSeries(out, series.labels, series.cell);
  }

  protected abstract renderSeries(out: string[], labels: LabelText, cell: C): void;
}

const newValueCell = (): ValueCell => ({ value: 0 });

export class CounterFamily extends Family<ValueCell> {
  readonly type = 'counter';

  constructor(options: FamilyOptions) {
    super(options, newValueCell);
  }

  lease(labels: LabelText): CounterLease {
    return new HeldCounter(this.table.acquire(labels), this.table);
  }

  add(labels: LabelText, by = 1): void {
    const { cell } = this.table.touch(labels);
    if (by > 0) cell.value += by;
  }

  protected renderSeries(out: string[], labels: LabelText, cell: ValueCell): void {
    writeSample(out, this.options.name, labels, cell.value);
  }
}

export class GaugeFamily extends Family<ValueCell> {
  readonly type = 'gauge';

  constructor(options: FamilyOptions) {
    super(options, newValueCell);
  }

  lease(labels: LabelText): GaugeLease {
    return new HeldGauge(this.table.acquire(labels), this.table);
  }

  set(labels: LabelText, value: number): void {
    this.table.touch(labels).cell.value = value;
  }

  protected renderSeries(out: string[], labels: LabelText, cell: ValueCell): void {
    writeSample(out, this.options.name, labels, cell.value);
  }
}

export class HistogramFamily extends Family<HistogramCell> {
  readonly type = 'histogram';
  private readonly bounds: Float64Array;
  private readonly suffixes: readonly string[];

  /** `bounds`: the finite upper bounds, strictly increasing; `+Inf` is added. */
  constructor(options: FamilyOptions, bounds: readonly number[]) {
    const size = bounds.length + 1;
    super(options, () => ({ counts: new Float64Array(size), sum: 0 }));
    this.bounds = Float64Array.from(bounds);
    this.suffixes = bucketSuffixes(bounds);
  }

  lease(labels: LabelText): HistogramLease {
    return new HeldHistogram(this.table.acquire(labels), this.table, this.bounds);
  }

  observe(labels: LabelText, value: number): void {
    observeInto(this.table.touch(labels).cell, this.bounds, value);
  }

  protected renderSeries(out: string[], labels: LabelText, cell: HistogramCell): void {
    writeHistogram(out, this.options.name, labels, this.suffixes, cell.counts, cell.sum);
  }
}

function observeInto(cell: HistogramCell, bounds: Float64Array, value: number): void {
  if (Number.isNaN(value)) return;
  let i = 0;
  const last = bounds.length;
  while (i < last && value > (bounds[i] as number)) i += 1;
  cell.counts[i] = (cell.counts[i] as number) + 1;
  cell.sum += value;
}
