/**
 * Service account tokens, proved by the Kubernetes API: a TokenReview with the audience
 * `identity.l5d.io`, answered with the service account the token belongs to.
 *
 * Contract, with Linkerd's status codes:
 * - The review names the audience; an answer that authenticates the token but does not list the
 *   audience back comes from an API server that ignored it, and is refused (fail closed). Only
 *   with `retryWithoutAudience` is a token the audience-scoped review did not authenticate
 *   reviewed again without an audience (tokens minted before bound tokens).
 * - The API server's `status.error` (unknown, expired, wrong audience) is INVALID_ARGUMENT; not
 *   authenticated without an error is FAILED_PRECONDITION; a username other than
 *   `system:serviceaccount:<ns>:<sa>` with DNS-label parts is INVALID_ARGUMENT.
 * - The API server not answering (network, timeout, a non-2xx status, a body that is not a
 *   TokenReview) is UNAVAILABLE: the client may retry; nothing about the token is concluded.
 * - One review at a time per call; nothing is cached: a revoked token stops working at once.
 */
import { z } from 'zod';
import type { ApiClient } from '../informers/api-client.js';
import { FailedPreconditionError, InvalidArgumentError, UnavailableError } from '../streams/grpc-errors.js';
import { type ServiceAccountRef, serviceAccountOfUsername } from './identity-name.js';

export const identityAudience = 'identity.l5d.io';

const tokenReviewPath = '/apis/authentication.k8s.io/v1/tokenreviews';

const reviewAnswer = z.object({
  status: z.object({
    authenticated: z.boolean().optional(),
    error: z.string().optional(),
    user: z.object({ username: z.string().optional() }).optional(),
    audiences: z.array(z.string()).nullish(),
  }).optional(),
});

type ReviewStatus = NonNullable<z.infer<typeof reviewAnswer>['status']>;

export interface TokenReviewerOptions {
  readonly client: ApiClient;
  readonly audience?: string;
  readonly retryWithoutAudience?: boolean;
  readonly timeoutMs?: number;
}

export interface TokenReviewer {
  /** The service account the token proves, or a GrpcError saying why not. */
  review(token: string): Promise<ServiceAccountRef>;
}

export function createTokenReviewer(options: TokenReviewerOptions): TokenReviewer {
  const audience = options.audience ?? identityAudience;
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function post(token: string, audiences: readonly string[] | undefined): Promise<ReviewStatus> {
    const body = {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview',
      spec: audiences === undefined ? { token } : { token, audiences },
    };
    let answer: { status: number; body: unknown };
    try {
      answer = await options.client.post(tokenReviewPath, body, AbortSignal.timeout(timeoutMs));
    } catch (error) {
      throw new UnavailableError(`token review failed: ${(error as Error).message}`);
    }
    if (answer.status < 200 || answer.status > 299) throw new UnavailableError(`token review failed: the API server answered ${answer.status}`);
    const parsed = reviewAnswer.safeParse(answer.body);
    if (!parsed.success || parsed.data.status === undefined) throw new UnavailableError('token review failed: the answer is not a TokenReview status');
    return parsed.data.status;
  }

  return {
    async review(token) {
      let status = await post(token, [audience]);
      if (status.authenticated === true && !(status.audiences ?? []).includes(audience)) {
        throw new FailedPreconditionError(`the token review did not confirm the audience ${audience}`);
      }
      if (status.authenticated !== true && options.retryWithoutAudience === true) status = await post(token, undefined);
      if (status.error !== undefined && status.error !== '') throw new InvalidArgumentError(`token review: ${status.error}`);
      if (status.authenticated !== true) throw new FailedPreconditionError('token could not be authenticated');
      const username = status.user?.username ?? '';
      const account = serviceAccountOfUsername(username);
      if (account === undefined) throw new InvalidArgumentError(`token user ${JSON.stringify(username)} is not system:serviceaccount:<namespace>:<name>`);
      return account;
    },
  };
}
