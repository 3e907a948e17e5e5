/**
 * The identity material an install carries: the trust anchors (ConfigMap
 * `linkerd-identity-trust-roots`) and the issuer certificate and key (Secret
 * `linkerd-identity-issuer`). Either generated afresh, or read from the operator's files and
 * checked the way Linkerd's install and check do before anything is rendered.
 *
 * Contract for files: every anchor is an ECDSA P-256 CA within its validity; the issuer is an
 * ECDSA P-256 CA within its validity whose key is its own, and it chains to an anchor (through
 * intermediates that follow it in its file). Anything else is an `InstallCertificateError` naming
 * the file (and flag) and what is wrong. The X.509 library is loaded only here.
 */
import fs from 'node:fs';
import { timeProblem } from '../identity/certificate-chain.js';
import { generateCa } from '../identity/generate-ca.js';
import { validateIssuer } from '../identity/issuer.js';
import { anchorKeyKind, parseTrustAnchors } from '../identity/trust-anchors.js';

export interface IdentityMaterial {
  readonly trustAnchorsPem: string;
  readonly issuerCertificatePem: string;
  readonly issuerKeyPem: string;
  /** True when install generated the pair (the anchor's key is then thrown away). */
  readonly generated: boolean;
}

export interface IdentityFiles {
  readonly trustAnchorsFile: string;
  readonly issuerCertificateFile: string;
  readonly issuerKeyFile: string;
}

export class InstallCertificateError extends Error {
  override readonly name = 'InstallCertificateError';
}

export async function generateIdentityMaterial(domain: { readonly controllerNamespace: string; readonly trustDomain: string },
  now: Date = new Date()): Promise<IdentityMaterial> {
  const ca = await generateCa({ domain, now });
  return { trustAnchorsPem: ca.anchorPem, issuerCertificatePem: ca.issuerPem, issuerKeyPem: ca.issuerKeyPem, generated: true };
}

function readFlagFile(flag: string, file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new InstallCertificateError(`${flag} ${file}: cannot be read: ${(error as Error).message}`);
  }
}

/** Reads and checks the operator's trust anchors and issuer. */
export function loadIdentityMaterial(files: IdentityFiles, now: Date = new Date()): IdentityMaterial {
  const anchorsFlag = `--identity-trust-anchors-file ${files.trustAnchorsFile}`;
  const anchorsText = readFlagFile('--identity-trust-anchors-file', files.trustAnchorsFile);
  const certificateText = readFlagFile('--identity-issuer-certificate-file', files.issuerCertificateFile);
  const keyText = readFlagFile('--identity-issuer-key-file', files.issuerKeyFile);
  let anchors: ReturnType<typeof parseTrustAnchors>;
  try {
    anchors = parseTrustAnchors(anchorsText, anchorsFlag);
  } catch (error) {
    throw new InstallCertificateError((error as Error).message);
  }
  anchors.certificates.forEach((anchor, index) => {
    const where = `${anchorsFlag}: certificate ${index + 1} (${anchor.subject})`;
    const kind = anchorKeyKind(anchor);
    if (kind !== 'ECDSA P-256') throw new InstallCertificateError(`${where} has an ${kind ?? 'unsupported'} key; trust anchors must be ECDSA P-256`);
    const problem = timeProblem(anchor, now);
    if (problem !== undefined) throw new InstallCertificateError(`${where} ${problem}`);
  });
  try {
    validateIssuer({
      source: `--identity-issuer-certificate-file ${files.issuerCertificateFile} and --identity-issuer-key-file ${files.issuerKeyFile}`,
      certificatePem: certificateText,
      keyPem: keyText,
    }, anchors, now);
  } catch (error) {
    throw new InstallCertificateError(`the issuer (--identity-issuer-certificate-file ${files.issuerCertificateFile}): ${(error as Error).message}`);
  }
  return { trustAnchorsPem: anchors.pem, issuerCertificatePem: certificateText.trim() + '\n', issuerKeyPem: keyText.trim() + '\n', generated: false };
}
