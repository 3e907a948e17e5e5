/**
 * The webhook server's TLS certificate and key: PEM text given directly, or two files (a
 * `kubernetes.io/tls` Secret's `tls.crt` and `tls.key`, as Linkerd mounts its webhook Secrets).
 *
 * Contract: material is checked before it is used (both are PEM, and the key matches the
 * certificate); bad material is a `WebhookTlsError` naming where it came from and what is wrong.
 * Files are polled for changes (stat, so a Secret's symlink swap is seen); a change that loads is
 * handed to the caller, one that does not is reported and the material in use stays.
 */
import fs from 'node:fs';
import tls from 'node:tls';

export type WebhookTls =
  | { readonly certPem: string; readonly keyPem: string }
  | { readonly certFile: string; readonly keyFile: string };

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
}

export class WebhookTlsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookTlsError';
  }
}

/** `the PEM text given` or `files /etc/tls/tls.crt and /etc/tls/tls.key`. */
export function tlsSource(source: WebhookTls): string {
  return 'certFile' in source ? `files ${source.certFile} and ${source.keyFile}` : 'the PEM text given';
}

function readFile(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new WebhookTlsError(`cannot read the webhook TLS ${what} file ${file}: ${(error as Error).message}`);
  }
}

/** Reads and checks the material; throws a `WebhookTlsError` if it cannot serve TLS. */
export function loadTlsMaterial(source: WebhookTls): TlsMaterial {
  const material = 'certFile' in source
    ? { cert: readFile(source.certFile, 'certificate'), key: readFile(source.keyFile, 'key') }
    : { cert: source.certPem, key: source.keyPem };
  const where = tlsSource(source);
  if (!material.cert.includes('-----BEGIN CERTIFICATE-----')) {
    throw new WebhookTlsError(`the webhook TLS certificate (${where}) is not PEM: no BEGIN CERTIFICATE block`);
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(material.key)) {
    throw new WebhookTlsError(`the webhook TLS key (${where}) is not PEM: no BEGIN PRIVATE KEY block`);
  }
  try {
    tls.createSecureContext(material);
  } catch (error) {
    throw new WebhookTlsError(`the webhook TLS certificate and key (${where}) cannot be used: ${(error as Error).message}`);
  }
  return material;
}

/**
 * Polls the files every `intervalMs` and calls `onLoad` with new material that checks out, or
 * `onRefused` with why not. Returns the function that stops polling. PEM text is never polled.
 */
export function watchTlsFiles(
  source: WebhookTls, intervalMs: number, onLoad: (material: TlsMaterial) => void, onRefused: (error: Error) => void,
): () => void {
  if (!('certFile' in source)) return () => undefined;
  const files = [source.certFile, source.keyFile];
  const changed = (current: fs.Stats, previous: fs.Stats) => {
    if (current.mtimeMs === previous.mtimeMs && current.ino === previous.ino && current.size === previous.size) return;
    try {
      onLoad(loadTlsMaterial(source));
    } catch (error) {
      onRefused(error as Error);
    }
  };
  for (const file of files) fs.watchFile(file, { interval: intervalMs, persistent: false }, changed);
  return () => {
    for (const file of files) fs.unwatchFile(file, changed);
  };
}
