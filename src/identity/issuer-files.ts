/**
 * Where an issuer lives on disk: a directory in one of two layouts, as Kubernetes mounts the
 * issuer Secret.
 *
 * - `crt.pem` + `key.pem`: Linkerd's own `linkerd.io/tls` Secret.
 * - `tls.crt` + `tls.key` (+ optional `ca.crt`): a `kubernetes.io/tls` Secret, as cert-manager
 *   writes it; `ca.crt` only helps build the chain and is never trusted as an anchor.
 *
 * Contract: when both layouts are present, `crt.pem`/`key.pem` wins. Reading is one snapshot of
 * the files' bytes, with a digest so a caller can tell whether anything changed; a missing or
 * unreadable file is an `IssuerError` naming it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { IssuerError, type IssuerMaterial } from './issuer.js';

export type IssuerLayout = 'crt.pem' | 'tls.crt';

export interface IssuerFiles extends IssuerMaterial {
  readonly layout: IssuerLayout;
  /** SHA-256 over every file read: equal digests, equal material. */
  readonly digest: string;
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new IssuerError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

function required(dir: string, name: string): string {
  const text = readIfExists(path.join(dir, name));
  if (text === undefined) throw new IssuerError(`${path.join(dir, name)} is missing`);
  return text;
}

export function layoutOf(dir: string): IssuerLayout {
  if (fs.existsSync(path.join(dir, 'crt.pem'))) return 'crt.pem';
  if (fs.existsSync(path.join(dir, 'tls.crt'))) return 'tls.crt';
  throw new IssuerError(`${dir} holds neither crt.pem/key.pem nor tls.crt/tls.key`);
}

export function readIssuerFiles(dir: string): IssuerFiles {
  const layout = layoutOf(dir);
  const [certName, keyName] = layout === 'crt.pem' ? ['crt.pem', 'key.pem'] : ['tls.crt', 'tls.key'];
  const certificatePem = required(dir, certName);
  const keyPem = required(dir, keyName);
  const extra = layout === 'tls.crt' ? readIfExists(path.join(dir, 'ca.crt')) : undefined;
  const digest = createHash('sha256').update(certificatePem).update('\0').update(keyPem).update('\0').update(extra ?? '').digest('hex');
  const source = `${dir} (${layout === 'crt.pem' ? 'crt.pem, key.pem' : 'tls.crt, tls.key'})`;
  return extra === undefined
    ? { layout, source, certificatePem, keyPem, digest }
    : { layout, source, certificatePem, keyPem, extraCertificatesPem: extra, digest };
}
