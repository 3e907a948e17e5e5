/**
 * Counters read straight from proxies' /metrics, for the demo's own checks: the requests a
 * proxy saw and how they were classified, and the requests its policy denied.
 *
 * Contract: `scrapeProxy` resolves with the samples of the families it is asked for, or rejects
 * with ProxyScrapeError (naming the address) when the admin server does not answer 200 within
 * 5 s; `sumOf` adds the samples of one family whose labels include every given label.
 */
import http from 'node:http';
import { type ParsedSample, parseExposition } from '../viz/exposition-parser.js';

export class ProxyScrapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProxyScrapeError';
  }
}

export type Samples = readonly ParsedSample[];

export function scrapeProxy(host: string, port: number, families: ReadonlySet<string>): Promise<Samples> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host, port, path: '/metrics', agent: false, timeout: 5_000 }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new ProxyScrapeError(`${host}:${port}/metrics answered ${response.statusCode ?? 0}`));
        return;
      }
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(parseExposition(Buffer.concat(chunks).toString('utf8'), (name) => families.has(name)).samples));
      response.on('error', (error) => reject(new ProxyScrapeError(`${host}:${port}/metrics: ${error.message}`)));
    });
    request.on('timeout', () => request.destroy(new Error('no answer within 5 s')));
    request.on('error', (error) => reject(new ProxyScrapeError(`${host}:${port}/metrics: ${error.message}`)));
  });
}

export function sumOf(samples: Samples, name: string, labels: Readonly<Record<string, string>> = {}): number {
  let total = 0;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    if (Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) total += sample.value;
  }
  return total;
}
