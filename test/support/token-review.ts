/**
 * TokenReview (`POST /apis/authentication.k8s.io/v1/tokenreviews`) against tokens a test registered.
 *
 * Contract: a registered token authenticates when the review's `spec.audiences` intersect the
 * token's audiences, or, when the review names none, when the token's audiences include the API
 * server's own audience (`https://kubernetes.default.svc`); a token registered without audiences
 * has exactly that one. `status.audiences` is the intersection (or the API server audience). Unknown
 * tokens and audience mismatches answer `authenticated: false` with an `error`, never an HTTP error.
 * The user's groups gain `system:authenticated`, as the real authenticators add it. A body that is
 * not a TokenReview is a 400 BadRequest.
 */
import { z } from 'zod';
import { statusErrors } from './kube-status.js';

export const API_SERVER_AUDIENCE = 'https://kubernetes.default.svc';

export interface TokenUser {
  readonly username: string;
  readonly uid?: string;
  readonly groups?: readonly string[];
  readonly audiences?: readonly string[];
}

export interface TokenReviewStatus {
  readonly authenticated: boolean;
  readonly user?: { readonly username: string; readonly uid: string; readonly groups: readonly string[] };
  readonly audiences?: readonly string[];
  readonly error?: string;
}

export interface TokenReview {
  readonly apiVersion: 'authentication.k8s.io/v1';
  readonly kind: 'TokenReview';
  readonly metadata: { readonly creationTimestamp: null };
  readonly spec: { readonly token: string; readonly audiences?: readonly string[] };
  readonly status: TokenReviewStatus;
}

const reviewRequestSchema = z.object({
  apiVersion: z.literal('authentication.k8s.io/v1').optional(),
  kind: z.literal('TokenReview').optional(),
  spec: z.object({
    token: z.string(),
    audiences: z.array(z.string()).optional(),
  }),
});

export class TokenRegistry {
  private readonly users = new Map<string, TokenUser>();

  add(token: string, user: TokenUser): void {
    this.users.set(token, user);
  }

  /** Answers a TokenReview request body; throws a 400 for one that is not a TokenReview. */
  review(body: unknown): TokenReview {
    const parsed = reviewRequestSchema.safeParse(body);
    if (!parsed.success) {
      throw statusErrors.badRequest(`invalid TokenReview: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    const spec = parsed.data.spec;
    return {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      metadata: { creationTimestamp: null },
      spec: spec.audiences === undefined ? { token: spec.token } : { token: spec.token, audiences: spec.audiences },
      status: this.statusFor(spec.token, spec.audiences ?? []),
    };
  }

  private statusFor(token: string, asked: readonly string[]): TokenReviewStatus {
    const user = this.users.get(token);
    if (user === undefined) return { authenticated: false, error: '[invalid bearer token, token lookup failed]' };
    const held = user.audiences ?? [API_SERVER_AUDIENCE];
    const wanted = asked.length === 0 ? [API_SERVER_AUDIENCE] : asked;
    const audiences = wanted.filter((a) => held.includes(a));
    if (audiences.length === 0) {
      return {
        authenticated: false,
        error: `[invalid bearer token, token audiences ${JSON.stringify(held)} is invalid for the target audiences ${JSON.stringify(wanted)}]`,
      };
    }
    const groups = user.groups ?? [];
    return {
      authenticated: true,
      user: {
        username: user.username,
        uid: user.uid ?? '',
        groups: groups.includes('system:authenticated') ? groups : [...groups, 'system:authenticated'],
      },
      audiences,
    };
  }
}

/** The user a service account token stands for. */
export function serviceAccountUser(namespace: string, name: string, audiences?: readonly string[]): TokenUser {
  const base = {
    username: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`],
  };
  return audiences === undefined ? base : { ...base, audiences };
}
