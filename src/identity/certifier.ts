/**
 * Certify, apart from its transport: a proxy asks for `identity`, proves it with a token, and
 * gets its CSR signed.
 *
 * Contract: the checks run in this order, and the first that fails decides the answer; no
 * certificate is signed unless all pass.
 *  1. The client is within its rate limit (RESOURCE_EXHAUSTED).
 *  2. Identity, token and CSR are present, and the CSR parses (INVALID_ARGUMENT).
 *  3. An issuer is loaded, and it and every certificate above it are valid now (UNAVAILABLE).
 *  4. The CSR is signed by its own ECDSA P-256 key and names exactly the identity (FAILED_PRECONDITION; see csr.ts).
 *  5. The TokenReview proves a service account (see token-reviewer.ts for its codes).
 *  6. That account's identity is the one asked for (FAILED_PRECONDITION).
 * The leaf and the chain sent with it come from one issuer, read again after the token review
 * (which may take a while), so a reload during a call never mixes two issuers.
 */
import { FailedPreconditionError, InvalidArgumentError, ResourceExhaustedError, UnavailableError } from '../streams/grpc-errors.js';
import type { Logger } from '../observe/logger.js';
import { checkCsr, parseCsr } from './csr.js';
import { type IdentityDomain, serviceAccountIdentity } from './identity-name.js';
import type { Issuer } from './issuer.js';
import { type IssuancePolicy, issueLeaf } from './leaf-certificate.js';
import type { RateLimiter } from './rate-limiter.js';
import type { TokenReviewer } from './token-reviewer.js';

export interface CertifyRequest {
  readonly identity: string;
  readonly token: Uint8Array;
  readonly csr: Uint8Array;
}

export interface Certified {
  readonly leaf: Buffer;
  /** From the issuer up to, not including, the trust anchor. */
  readonly intermediates: readonly Buffer[];
  readonly validUntil: Date;
}

export interface CertifierOptions {
  readonly issuer: () => Issuer | undefined;
  readonly reviewer: TokenReviewer;
  readonly domain: IdentityDomain;
  readonly policy: IssuancePolicy;
  readonly limiter: RateLimiter;
  readonly log: Logger;
  readonly now?: () => Date;
}

export interface Certifier {
  /** `client` keys the rate limit (the peer's address). Throws a GrpcError to refuse. */
  certify(request: CertifyRequest, client: string): Promise<Certified>;
}

function usableIssuer(issuer: Issuer | undefined, now: Date): Issuer {
  if (issuer === undefined) throw new UnavailableError('the certificate issuer is not loaded yet');
  if (now.getTime() > issuer.notAfter.getTime()) throw new UnavailableError(`the issuer certificate expired at ${issuer.notAfter.toISOString()}`);
  if (now.getTime() < issuer.notBefore.getTime()) throw new UnavailableError(`the issuer certificate is not valid before ${issuer.notBefore.toISOString()}`);
  if (now.getTime() >= issuer.chainExpiry.getTime()) throw new UnavailableError(`a certificate above the issuer expired at ${issuer.chainExpiry.toISOString()}`);
  return issuer;
}

export function createCertifier(options: CertifierOptions): Certifier {
  const clock = options.now ?? (() => new Date());
  return {
    async certify(request, client) {
      if (!options.limiter.take(client)) throw new ResourceExhaustedError('too many Certify calls from this client; retry later');
      if (request.identity === '') throw new InvalidArgumentError('missing identity');
      if (request.token.length === 0) throw new InvalidArgumentError('missing token');
      if (request.csr.length === 0) throw new InvalidArgumentError('missing certificate signing request');
      const parsed = parseCsr(request.csr);
      usableIssuer(options.issuer(), clock());
      const csr = checkCsr(parsed, request.identity);
      const account = await options.reviewer.review(Buffer.from(request.token).toString('utf8'));
      const proven = serviceAccountIdentity(account, options.domain);
      if (proven !== request.identity) {
        throw new FailedPreconditionError(`requested identity ${JSON.stringify(request.identity)} does not match the token's ${JSON.stringify(proven)}`);
      }
      const now = clock();
      const issuer = usableIssuer(options.issuer(), now);
      const leaf = issueLeaf(issuer, { identity: request.identity, spki: csr.spki, commonName: csr.hasCommonName }, options.policy, now);
      options.log.debug('certified', { identity: request.identity, notAfter: leaf.notAfter.toISOString() });
      return { leaf: leaf.der, intermediates: issuer.chain, validUntil: leaf.notAfter };
    },
  };
}
