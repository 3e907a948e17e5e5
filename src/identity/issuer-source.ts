/**
 * The issuer in use, reloaded when its files change.
 *
 * Contract:
 * - `current()` is the last issuer that passed `validateIssuer`, or undefined before the first.
 *   A reload validates the new files first and swaps only if they pass; otherwise the old issuer
 *   stays, and the refusal is logged at warn and counted (`identity_issuer_reloads_total{result=
 *   "refused"}`). Nothing ever un-loads an issuer: one that expires stays current, and Certify
 *   answers UNAVAILABLE for it until a valid one is written.
 * - Reloads are triggered by fs.watch on the directory (Kubernetes swaps a Secret volume by
 *   renaming a symlink in it, which the directory watch sees), debounced, and by a poll as a
 *   backstop for file systems that do not report changes. Reloads never overlap: one asked for
 *   while another runs starts after it. Files whose bytes equal the last ones tried are not tried
 *   again (`unchanged`), so a refused set of files is logged once, not once per poll.
 * - `outcomes` emits every reload's outcome, in order.
 */
import fs from 'node:fs';
import { Subject, type Observable } from 'rxjs';
import type { Logger } from '../observe/logger.js';
import type { IdentityMetrics } from './identity-metrics.js';
import { type Issuer, validateIssuer } from './issuer.js';
import { readIssuerFiles } from './issuer-files.js';
import type { TrustAnchors } from './trust-anchors.js';

export type ReloadOutcome =
  | { readonly kind: 'loaded'; readonly issuer: Issuer }
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'unchanged' };

export interface IssuerSource {
  current(): Issuer | undefined;
  /** Reads the files now (after any reload in progress). */
  reload(): Promise<ReloadOutcome>;
  readonly outcomes: Observable<ReloadOutcome>;
  close(): void;
}

export interface IssuerSourceOptions {
  readonly dir: string;
  readonly anchors: TrustAnchors;
  readonly log: Logger;
  readonly metrics: IdentityMetrics;
  readonly now?: () => Date;
  /** Backstop poll interval (default 30 s); 0 turns polling off. */
  readonly pollMs?: number;
  /** Quiet time after a file event before reloading (default 100 ms). */
  readonly debounceMs?: number;
}

export function createIssuerSource(options: IssuerSourceOptions): IssuerSource {
  const now = options.now ?? (() => new Date());
  const outcomes = new Subject<ReloadOutcome>();
  let issuer: Issuer | undefined;
  let lastDigest: string | undefined;
  let running: Promise<ReloadOutcome> = Promise.resolve({ kind: 'unchanged' });
  let closed = false;

  const attempt = (): ReloadOutcome => {
    let digest: string | undefined;
    try {
      const files = readIssuerFiles(options.dir);
      digest = files.digest;
      if (digest === lastDigest) return { kind: 'unchanged' };
      const loaded = validateIssuer(files, options.anchors, now());
      lastDigest = digest;
      return { kind: 'loaded', issuer: loaded };
    } catch (error) {
      const reason = (error as Error).message;
      if (digest !== undefined) lastDigest = digest;
      return { kind: 'refused', reason };
    }
  };

  const apply = (outcome: ReloadOutcome): ReloadOutcome => {
    if (outcome.kind === 'loaded') {
      issuer = outcome.issuer;
      options.metrics.issuerExpiry(outcome.issuer.notAfter);
      options.metrics.issuerReloads.inc({ result: 'loaded' });
      options.log.info('issuer loaded', {
        subject: outcome.issuer.certificate.subject.replace(/\n/g, ', '), notAfter: outcome.issuer.notAfter.toISOString(),
        fingerprint: outcome.issuer.fingerprint,
      });
    } else if (outcome.kind === 'refused') {
      options.metrics.issuerReloads.inc({ result: 'refused' });
      options.log.warn(issuer === undefined ? 'issuer refused; none loaded yet' : 'issuer refused; keeping the current one', { reason: outcome.reason });
    }
    outcomes.next(outcome);
    return outcome;
  };

  const reload = (): Promise<ReloadOutcome> => {
    running = running.then(() => (closed ? { kind: 'unchanged' as const } : apply(attempt())));
    return running;
  };

  let debounce: NodeJS.Timeout | undefined;
  const onChange = (): void => {
    clearTimeout(debounce);
    debounce = setTimeout(() => void reload(), options.debounceMs ?? 100);
    debounce.unref();
  };
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(options.dir, { persistent: false }, onChange);
    watcher.on('error', (error) => options.log.warn('issuer directory watch failed; polling only', { error: error.message }));
  } catch (error) {
    options.log.warn('cannot watch the issuer directory; polling only', { dir: options.dir, error: (error as Error).message });
  }
  const pollMs = options.pollMs ?? 30_000;
  const poll = pollMs > 0 ? setInterval(() => void reload(), pollMs) : undefined;
  poll?.unref();

  return {
    current: () => issuer,
    reload,
    outcomes: outcomes.asObservable(),
    close() {
      closed = true;
      clearTimeout(debounce);
      clearInterval(poll);
      watcher?.close();
      outcomes.complete();
    },
  };
}
