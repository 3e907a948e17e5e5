/**
 * The embedded metrics API's time series: what it scraped from each proxy, kept for the longest
 * window a query may ask for, read the way Prometheus reads its own storage.
 *
 * Contract: `record` appends one scrape of one target at time `t` (scrapes of a target come in
 * time order). A range read returns every sample with start ≤ t ≤ end, as Prometheus 2.x ranges
 * do. An instant read sees a series only while it is fresh: present in its target's latest scrape,
 * that scrape succeeded, the target is still scraped and the scrape is no older than the lookback
 * (5 minutes) — Prometheus' staleness markers give the same answers. Samples older than the
 * retention are dropped on `prune`, and a series without samples is forgotten.
 */
import { type Matcher, matches } from './metric-query.js';
import type { Sample } from './promql-functions.js';
import type { Labels } from './relabel.js';

interface Series {
  readonly labels: Labels;
  readonly target: string;
  readonly samples: Sample[];
  lastSeen: number;
}

interface TargetState {
  lastScrape: number;
  ok: boolean;
  present: boolean;
}

export interface SeriesSamples {
  readonly labels: Labels;
  readonly samples: readonly Sample[];
}

export interface RecordedSample {
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
}

const lookbackMs = 5 * 60_000;

function seriesKey(name: string, labels: Labels): string {
  return name + JSON.stringify(Object.keys(labels).sort().map((key) => [key, labels[key]]));
}

export class SampleStore {
  private readonly byName = new Map<string, Map<string, Series>>();
  private readonly targets = new Map<string, TargetState>();

  constructor(private readonly retentionMs: number) {}

  /** One scrape of `target` at `t`: its samples, or undefined when the scrape failed. */
  record(target: string, t: number, samples: readonly RecordedSample[] | undefined): void {
    this.targets.set(target, { lastScrape: t, ok: samples !== undefined, present: true });
    for (const sample of samples ?? []) {
      if (Number.isNaN(sample.value)) continue;
      let family = this.byName.get(sample.name);
      if (family === undefined) {
        family = new Map();
        this.byName.set(sample.name, family);
      }
      const key = seriesKey(sample.name, sample.labels);
      let series = family.get(key);
      if (series === undefined) {
        series = { labels: sample.labels, target, samples: [], lastSeen: t };
        family.set(key, series);
      }
      const last = series.samples[series.samples.length - 1];
      if (last === undefined || last.t < t) series.samples.push({ t, v: sample.value });
      series.lastSeen = t;
    }
  }

  /** The target is no longer scraped (its pod went away): its series go stale at once. */
  forgetTarget(target: string): void {
    const state = this.targets.get(target);
    if (state !== undefined) state.present = false;
  }

  /** Targets recorded and still present. */
  targetKeys(): string[] {
    return [...this.targets.entries()].filter(([, state]) => state.present).map(([key]) => key);
  }

  range(name: string, matchers: readonly Matcher[], start: number, end: number): SeriesSamples[] {
    const out: SeriesSamples[] = [];
    for (const series of this.byName.get(name)?.values() ?? []) {
      if (!matches(series.labels, matchers)) continue;
      const samples = series.samples.filter((sample) => sample.t >= start && sample.t <= end);
      if (samples.length > 0) out.push({ labels: series.labels, samples });
    }
    return out;
  }

  instant(name: string, matchers: readonly Matcher[], t: number): { labels: Labels; value: number }[] {
    const out: { labels: Labels; value: number }[] = [];
    for (const series of this.byName.get(name)?.values() ?? []) {
      const target = this.targets.get(series.target);
      const fresh = target !== undefined && target.present && target.ok && series.lastSeen === target.lastScrape && t - target.lastScrape <= lookbackMs;
      if (!fresh || !matches(series.labels, matchers)) continue;
      const last = [...series.samples].reverse().find((sample) => sample.t <= t);
      if (last !== undefined) out.push({ labels: series.labels, value: last.v });
    }
    return out;
  }

  /** Drops samples older than the retention before `now`, series left empty, and targets gone that long. */
  prune(now: number): void {
    const oldest = now - this.retentionMs;
    for (const [name, family] of this.byName) {
      for (const [key, series] of family) {
        const keepFrom = series.samples.findIndex((sample) => sample.t >= oldest);
        if (keepFrom === -1) family.delete(key);
        else if (keepFrom > 0) series.samples.splice(0, keepFrom);
      }
      if (family.size === 0) this.byName.delete(name);
    }
    for (const [key, state] of this.targets) if (!state.present && state.lastScrape < oldest) this.targets.delete(key);
  }

  seriesCount(): number {
    let count = 0;
    for (const family of this.byName.values()) count += family.size;
    return count;
  }
}
