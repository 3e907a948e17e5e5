/**
 * The embedded metrics API's scraper: every interval, each meshed pod's proxy `/metrics` (the pods
 * Prometheus' scrape job would keep, labelled as it would label them: scrape-labels.ts) into the
 * sample store, keeping only the families the queries read.
 *
 * Contract: scrapes of one round run concurrently, each bounded by the timeout (default: the
 * interval, at most 10 s); a failed scrape is recorded as failed (its series go stale, as with
 * Prometheus) and logged at debug; a pod that is gone is forgotten. Rounds never overlap: a round
 * that runs long delays the next. `stop` ends the loop; a round in flight finishes into the store.
 */
import http from 'node:http';
import type { Logger } from '../observe/logger.js';
import { parseExposition } from './exposition-parser.js';
import type { RecordedSample, SampleStore } from './sample-store.js';
import { type ScrapeTarget, targetOf, withTargetLabels } from './scrape-labels.js';
import type { Inventory } from './workloads.js';

export const scrapedFamilies: ReadonlySet<string> = new Set([
  'request_total', 'response_total', 'response_latency_ms_bucket',
  'tcp_open_connections', 'tcp_read_bytes_total', 'tcp_write_bytes_total',
]);

export interface ScraperOptions {
  readonly inventory: Inventory;
  readonly store: SampleStore;
  readonly intervalMs: number;
  readonly timeoutMs?: number;
  readonly log: Logger;
  readonly controlPlaneNamespace?: string;
  readonly now?: () => number;
  /** Start the loop at once (default true); false leaves rounds to `scrapeOnce`. */
  readonly loop?: boolean;
}

export interface Scraper {
  /** One round now (tests; the loop runs its own). */
  scrapeOnce(): Promise<void>;
  stop(): void;
}

const maxBody = 32 * 1024 * 1024;

function fetchText(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { timeout: timeoutMs, headers: { accept: 'text/plain;version=0.0.4' } }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`status ${response.statusCode ?? 0}`));
        return;
      }
      let size = 0;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBody) request.destroy(new Error('body too large'));
        else chunks.push(chunk);
      });
      response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}

async function scrapeTarget(target: ScrapeTarget, timeoutMs: number): Promise<RecordedSample[]> {
  const text = await fetchText(target.url, timeoutMs);
  const parsed = parseExposition(text, (name) => scrapedFamilies.has(name));
  return parsed.samples.map((sample) => ({ name: sample.name, labels: withTargetLabels(sample.labels, target.labels), value: sample.value }));
}

export function startScraper(options: ScraperOptions): Scraper {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? Math.min(options.intervalMs, 10_000);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function round(): Promise<void> {
    const targets = options.inventory.pods().map((pod) => targetOf(pod, options.controlPlaneNamespace)).filter((target) => target !== undefined);
    const live = new Set(targets.map((target) => target.key));
    for (const key of options.store.targetKeys()) if (!live.has(key)) options.store.forgetTarget(key);
    const t = now();
    await Promise.all(targets.map(async (target) => {
      try {
        options.store.record(target.key, t, await scrapeTarget(target, timeoutMs));
      } catch (error) {
        options.log.debug('scrape failed', { target: target.key, url: target.url, error: (error as Error).message });
        options.store.record(target.key, t, undefined);
      }
    }));
    options.store.prune(now());
  }

  const loop = (): void => {
    if (stopped) return;
    const started = now();
    round().catch((error: unknown) => options.log.warn('scrape round failed', { error: (error as Error).message })).finally(() => {
      if (stopped) return;
      timer = setTimeout(loop, Math.max(0, options.intervalMs - (now() - started)));
    });
  };
  if (options.loop !== false) loop();
  return {
    scrapeOnce: round,
    stop: () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
