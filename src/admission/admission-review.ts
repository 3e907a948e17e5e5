/**
 * The AdmissionReview wire format (admission.k8s.io/v1, and v1beta1, whose shape is the same) that
 * the API server POSTs to a validating or mutating webhook, and the review a webhook answers with.
 *
 * Contract: only the fields a validator reads are declared; others are dropped. A body that does
 * not parse as a review is the server's problem to answer (HTTP 400), never a validator's. The
 * answer echoes the request's apiVersion and uid, as the API server requires; a denial carries a
 * status whose message the API server shows the user (`admission webhook "…" denied the request:
 * <message>`); an admission that changes the object carries a JSONPatch (RFC 6902), base64-encoded.
 */
import { z } from 'zod';

export const admissionReviewVersions = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;

/** What kind of object the request is about; `group` is empty for the core group. */
const groupVersionKindSchema = z.object({
  group: z.string().default(''),
  version: z.string().min(1),
  kind: z.string().min(1),
});

export const admissionRequestSchema = z.object({
  uid: z.string().min(1),
  kind: groupVersionKindSchema,
  resource: z.object({ group: z.string().default(''), version: z.string(), resource: z.string() }).optional(),
  subResource: z.string().optional(),
  /** Empty on a CREATE whose object has only a generateName. */
  name: z.string().optional(),
  namespace: z.string().optional(),
  operation: z.enum(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']),
  userInfo: z.object({ username: z.string().optional() }).optional(),
  /** The object as it would be stored; null or absent for DELETE. */
  object: z.unknown().optional(),
  oldObject: z.unknown().optional(),
  dryRun: z.boolean().optional(),
});

export type AdmissionRequest = z.infer<typeof admissionRequestSchema>;

export const admissionReviewSchema = z.object({
  apiVersion: z.literal(admissionReviewVersions),
  kind: z.literal('AdmissionReview'),
  request: admissionRequestSchema,
});

export type AdmissionReview = z.infer<typeof admissionReviewSchema>;

/** One RFC 6902 operation, as a mutating webhook sends it. */
export interface JsonPatchOperation {
  readonly op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  readonly path: string;
  readonly value?: unknown;
  readonly from?: string;
}

/** A webhook's answer: admit (a mutating webhook may change the object), or deny with a message that names the field and the problem. */
export type AdmissionVerdict =
  | { readonly allowed: true; readonly patch?: readonly JsonPatchOperation[] }
  | { readonly allowed: false; readonly message: string };

/** Checks a request; may be asynchronous (a Server's overlap check lists other Servers). */
export type AdmissionValidator = (request: AdmissionRequest) => AdmissionVerdict | Promise<AdmissionVerdict>;

export const allow: AdmissionVerdict = { allowed: true };

export function deny(message: string): AdmissionVerdict {
  return { allowed: false, message };
}

/** HTTP-like code of a denial: the object is invalid, as Linkerd's sp-validator answers. */
export const deniedCode = 400;

export interface AdmissionReviewAnswer {
  readonly apiVersion: AdmissionReview['apiVersion'];
  readonly kind: 'AdmissionReview';
  readonly response: {
    readonly uid: string;
    readonly allowed: boolean;
    readonly status?: { readonly code: number; readonly message: string };
    readonly patchType?: 'JSONPatch';
    /** The JSONPatch, base64-encoded JSON. */
    readonly patch?: string;
  };
}

/** The review to send back for `review`'s request. */
export function admissionAnswer(review: AdmissionReview, verdict: AdmissionVerdict): AdmissionReviewAnswer {
  const uid = review.request.uid;
  if (!verdict.allowed) {
    return { apiVersion: review.apiVersion, kind: 'AdmissionReview', response: { uid, allowed: false, status: { code: deniedCode, message: verdict.message } } };
  }
  const patch = verdict.patch === undefined || verdict.patch.length === 0 ? {}
    : { patchType: 'JSONPatch' as const, patch: Buffer.from(JSON.stringify(verdict.patch)).toString('base64') };
  const response = { uid, allowed: true, ...patch };
  return { apiVersion: review.apiVersion, kind: 'AdmissionReview', response };
}

/** `policy.linkerd.io/v1beta3/Server`, or `v1/Namespace` for the core group: for messages. */
export function kindLabel(request: AdmissionRequest): string {
  const { group, version, kind } = request.kind;
  return group === '' ? `${version}/${kind}` : `${group}/${version}/${kind}`;
}

/**
 * The verdict on a request before its object is looked at, or undefined if the object must be
 * checked: DELETE and CONNECT are allowed (there is no new object to check, and Linkerd registers
 * its webhooks for CREATE and UPDATE only); a CREATE or UPDATE without an object is denied.
 */
export function screenRequest(request: AdmissionRequest): AdmissionVerdict | undefined {
  if (request.operation === 'DELETE' || request.operation === 'CONNECT') return allow;
  if (request.object === undefined || request.object === null) return deny(`the ${request.operation} request has no object to validate`);
  return undefined;
}

/** The denial of a kind the webhook does not handle, worded as Linkerd words it. */
export function unsupportedKind(request: AdmissionRequest): AdmissionVerdict {
  const { group, version, kind } = request.kind;
  return deny(`unsupported resource type: ${group}.${version}.${kind}`);
}
