/**
 * linkerd-identity: the trust anchors and issuer the identity service signs with. Are they there
 * and well-formed, of a supported algorithm, within their validity, not expiring within 60 days,
 * and does the issuer chain to the anchors? Expiry within 60 days warns; everything else fails.
 */
import type { X509Certificate } from 'node:crypto';
import type { Category } from './checker.js';
import { type CheckFacts, type CheckOptions, need } from './check-facts.js';
import {
  anchorAlgorithmProblem, certificateLine, chainProblem, expiringSoonProblem, p256Problem, validityProblem,
} from './certificates.js';
import { readIdentityMaterial } from './identity-material.js';

/** Throws `<heading>:` and one line per certificate with a problem, if any has one. */
export function requireNone(certificates: readonly X509Certificate[], problem: (c: X509Certificate) => string | undefined, heading: string): void {
  const lines = certificates.flatMap((certificate) => {
    const found = problem(certificate);
    return found === undefined ? [] : [certificateLine(certificate, found)];
  });
  if (lines.length > 0) throw new Error(`${heading}:\n\t${lines.join('\n\t')}`);
}

export function linkerdIdentityChecks(options: CheckOptions, facts: CheckFacts): Category {
  const anchors = (): readonly X509Certificate[] => need(facts.identity, 'the identity material').anchors;
  const issuer = (): X509Certificate => need(facts.identity, 'the identity material').issuer[0] as X509Certificate;
  return {
    id: 'linkerd-identity',
    checkers: [
      {
        description: 'certificate config is valid', hintAnchor: 'l5d-identity-cert-config-valid', fatal: true,
        run: async (signal) => {
          facts.identity = await readIdentityMaterial(need(facts.client, 'the API client'), options.controlPlaneNamespace, signal);
        },
      },
      {
        description: 'trust anchors are using supported crypto algorithm', hintAnchor: 'l5d-identity-trustAnchors-use-supported-crypto', fatal: true,
        run: async () => requireNone(anchors(), anchorAlgorithmProblem, 'Invalid trustAnchors'),
      },
      {
        description: 'trust anchors are within their validity period', hintAnchor: 'l5d-identity-trustAnchors-are-time-valid', fatal: true,
        run: async () => requireNone(anchors(), (c) => validityProblem(c, options.now()), 'Invalid anchors'),
      },
      {
        description: 'trust anchors are valid for at least 60 days', hintAnchor: 'l5d-identity-trustAnchors-not-expiring-soon', warning: true,
        run: async () => requireNone(anchors(), (c) => expiringSoonProblem(c, options.now()), 'Anchors expiring soon'),
      },
      {
        description: 'issuer cert is using supported crypto algorithm', hintAnchor: 'l5d-identity-issuer-cert-uses-supported-crypto', fatal: true,
        run: async () => failWith('issuer certificate', p256Problem(issuer())),
      },
      {
        description: 'issuer cert is within its validity period', hintAnchor: 'l5d-identity-issuer-cert-is-time-valid', fatal: true,
        run: async () => failWith('issuer certificate', validityProblem(issuer(), options.now())),
      },
      {
        description: 'issuer cert is valid for at least 60 days', hintAnchor: 'l5d-identity-issuer-cert-not-expiring-soon', warning: true,
        run: async () => failWith('issuer certificate', expiringSoonProblem(issuer(), options.now())),
      },
      {
        description: 'issuer cert is issued by the trust anchor', hintAnchor: 'l5d-identity-issuer-cert-issued-by-trust-anchor',
        run: async () => failWith('issuer certificate', chainProblem(need(facts.identity, 'the identity material').issuer, anchors(), options.now())),
      },
    ],
  };
}

/** Throws `<subject> <problem>` if there is a problem. */
export function failWith(subject: string, problem: string | undefined): void {
  if (problem !== undefined) throw new Error(`${subject} ${problem}`);
}
