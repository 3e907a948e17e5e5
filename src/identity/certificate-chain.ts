/**
 * Chain verification for CA certificates: does a certificate lead, through intermediates the
 * operator supplied, to one of the trust anchors, with every link a CA valid at a given time?
 *
 * Contract: pure apart from the signature checks (OpenSSL, through node:crypto's
 * X509Certificate). Each link must name its parent as issuer (name and key identifiers, as
 * `checkIssued` compares them), carry a signature the parent's key verifies, and the parent must
 * be a CA within its validity. Paths are at most `maxDepth` links long, so a bundle of certificates
 * that issue each other in a circle ends the search. The answer is the path (without the anchor)
 * and the anchor, or the reason there is none.
 */
import type { X509Certificate } from 'node:crypto';
import { x509 } from './x509.js';

export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export type ChainResult =
  | { readonly ok: true; readonly path: readonly X509Certificate[]; readonly anchor: X509Certificate }
  | { readonly ok: false; readonly reason: string };

const maxDepth = 5;

/** A certificate's validity window, read exactly from its DER. */
export function validityOf(certificate: X509Certificate): Validity {
  const parsed = new x509.X509Certificate(certificate.raw);
  return { notBefore: parsed.notBefore, notAfter: parsed.notAfter };
}

/** Why the certificate is not valid at `now`, or undefined if it is. */
export function timeProblem(certificate: X509Certificate, now: Date): string | undefined {
  const { notBefore, notAfter } = validityOf(certificate);
  if (now.getTime() > notAfter.getTime()) return `expired at ${notAfter.toISOString()}`;
  if (now.getTime() < notBefore.getTime()) return `not valid before ${notBefore.toISOString()}`;
  return undefined;
}

function issues(parent: X509Certificate, child: X509Certificate): boolean {
  return child.checkIssued(parent) && child.verify(parent.publicKey);
}

/** Finds a path from `start` to an anchor through `intermediates`. */
export function chainToAnchor(start: X509Certificate, intermediates: readonly X509Certificate[],
  anchors: readonly X509Certificate[], now: Date): ChainResult {
  if (anchors.some((anchor) => anchor.raw.equals(start.raw))) return { ok: true, path: [start], anchor: start };
  const problems: string[] = [];
  const search = (current: X509Certificate, path: readonly X509Certificate[]): ChainResult | undefined => {
    for (const anchor of anchors) {
      if (!issues(anchor, current)) continue;
      const problem = timeProblem(anchor, now);
      if (problem === undefined) return { ok: true, path, anchor };
      problems.push(`trust anchor ${anchor.subject} ${problem}`);
    }
    if (path.length >= maxDepth) return undefined;
    for (const candidate of intermediates) {
      if (path.some((link) => link.raw.equals(candidate.raw)) || !issues(candidate, current)) continue;
      if (!candidate.ca) {
        problems.push(`intermediate ${candidate.subject} is not a CA`);
        continue;
      }
      const problem = timeProblem(candidate, now);
      if (problem !== undefined) {
        problems.push(`intermediate ${candidate.subject} ${problem}`);
        continue;
      }
      const found = search(candidate, [...path, candidate]);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return search(start, [start]) ?? {
    ok: false,
    reason: problems.length > 0 ? problems.join('; ') : `${start.subject} is not signed by a trust anchor (nor by an intermediate that is)`,
  };
}
