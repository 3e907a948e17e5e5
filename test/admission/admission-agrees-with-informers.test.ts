/**
 * The webhooks and the informers read policy objects with the same schemas, so they agree: what a
 * webhook admits the informers read as valid, and what the informers read as invalid the webhook
 * denies, naming the same field.
 */
import assert from 'node:assert/strict';
import type { AdmissionRequest } from '../../src/admission/admission-review.js';
import { policyValidator } from '../../src/admission/policy-validator.js';
import { spValidator } from '../../src/admission/sp-validator.js';
import { isInvalid } from '../../src/informers/fail-closed.js';
import { apiVersionOf, type KindSpec } from '../../src/informers/kind.js';
import {
  authorizationPolicyKind,
  gatewayHttpRouteKind,
  grpcRouteKind,
  httpRouteKind,
  meshTlsAuthenticationKind,
  networkAuthenticationKind,
  serverAuthorizationKind,
  serverKind,
  serviceProfileKind,
} from '../../src/informers/kinds/index.js';
import { examples, type KindExamples } from './admission-examples.js';

type Json = Record<string, unknown>;

const informerKinds: readonly KindSpec[] = [
  serverKind, serverAuthorizationKind, authorizationPolicyKind, meshTlsAuthenticationKind, networkAuthenticationKind,
  httpRouteKind, gatewayHttpRouteKind, grpcRouteKind, serviceProfileKind,
];

function informerKind(example: KindExamples): KindSpec {
  const found = informerKinds.find((kind) => kind.group === example.gvk.group && kind.kind === example.gvk.kind);
  assert.ok(found !== undefined, example.label);
  return found;
}

/** The object as the API server hands it to an informer once stored: at the version watched, with a resourceVersion. */
function stored(object: Json, kind: KindSpec): Json {
  return { ...object, apiVersion: apiVersionOf(kind), metadata: { ...(object['metadata'] as Json), resourceVersion: '7' } };
}

function request(example: KindExamples, object: Json): AdmissionRequest {
  return { uid: 'u', kind: example.gvk, operation: 'CREATE', namespace: 'shop', object };
}

describe('admission agrees with the informers', () => {
  const validate = { '/policy': policyValidator(), '/sp': spValidator() };

  for (const example of examples) {
    const kind = informerKind(example);
    const all = [example.valid, ...example.alsoValid.map(([, object]) => object), ...example.invalid.map((invalid) => invalid.object)];

    it(`reads every ${example.label} the webhook admits as valid`, async () => {
      for (const object of all) {
        const verdict = await validate[example.path](request(example, object));
        if (!verdict.allowed) continue;
        const parsed = kind.schema.safeParse(stored(object, kind));
        assert.ok(parsed.success && !isInvalid(parsed.data), `admitted but not valid to the informers: ${JSON.stringify(object)}`);
      }
    });

    it(`denies every ${example.label} the informers read as invalid, naming the same field`, async () => {
      let invalidCount = 0;
      for (const object of all) {
        const parsed = kind.schema.safeParse(stored(object, kind));
        if (!parsed.success || !isInvalid(parsed.data)) continue;
        invalidCount++;
        const verdict = await validate[example.path](request(example, object));
        assert.equal(verdict.allowed, false, `invalid to the informers but admitted: ${parsed.data.invalid}`);
        const field = parsed.data.invalid.slice(0, parsed.data.invalid.indexOf(': '));
        assert.ok(verdict.message.split('; ').some((problem) => problem.startsWith(`${field}: `)), `${verdict.message} names ${field}`);
      }
      if (example.path === '/policy') assert.ok(invalidCount > 0, 'some examples are invalid to the informers');
    });
  }
});
