import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ECDH, generateKeyPairSync, sign } from 'node:crypto';
import { checkCsr, parseCsr } from '../../src/identity/csr.js';
import { bitString, contextConstructed, objectIdentifier, octetString, sequence, set, smallInteger, tlv } from '../../src/identity/der.js';
import { FailedPreconditionError, InvalidArgumentError } from '../../src/streams/grpc-errors.js';
import { csrFor, identityOf } from './pki-fixtures.js';

const web = identityOf('web', 'shop');

function outcome(der: Uint8Array, identity: string): 'accepted' | 'INVALID_ARGUMENT' | 'FAILED_PRECONDITION' {
  try {
    checkCsr(parseCsr(der), identity);
    return 'accepted';
  } catch (error) {
    if (error instanceof InvalidArgumentError) return 'INVALID_ARGUMENT';
    if (error instanceof FailedPreconditionError) return 'FAILED_PRECONDITION';
    throw error;
  }
}

describe('certificate signing requests', function () {
  this.timeout(60_000);

  it('accepts a well-formed request for the identity', async () => {
    assert.equal(outcome((await csrFor(web)).der, web), 'accepted');
    assert.equal(outcome((await csrFor(web, { commonName: web })).der, web), 'accepted');
  });

  it('refuses every single-bit change of a valid request, with INVALID_ARGUMENT or FAILED_PRECONDITION', async () => {
    for (const der of [(await csrFor(web)).der, (await csrFor(web, { commonName: web })).der]) {
      for (let bit = 0; bit < der.length * 8; bit++) {
        const changed = Buffer.from(der);
        changed[bit >> 3] = (changed[bit >> 3] as number) ^ (1 << (bit & 7));
        assert.notEqual(outcome(changed, web), 'accepted', `bit ${bit} changed and still accepted`);
      }
    }
  });

  it('answers INVALID_ARGUMENT, and nothing else, to random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), (bytes) => {
      assert.notEqual(outcome(bytes, web), 'accepted');
    }), { numRuns: 2000 });
  });

  it('refuses a P-256 key given as a compressed point, as Go\'s parser does', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const uncompressed = publicKey.export({ type: 'spki', format: 'der' }).subarray(-65);
    const compressed = ECDH.convertKey(uncompressed, 'prime256v1', undefined, undefined, 'compressed') as Buffer;
    const spki = sequence(sequence(objectIdentifier('1.2.840.10045.2.1'), objectIdentifier('1.2.840.10045.3.1.7')), bitString(compressed));
    const san = sequence(objectIdentifier('2.5.29.17'), octetString(sequence(tlv(0x82, Buffer.from(web)))));
    const attributes = tlv(contextConstructed(0), sequence(objectIdentifier('1.2.840.113549.1.9.14'), set(sequence(san))));
    const info = sequence(smallInteger(0), sequence(), spki, attributes);
    const algorithm = sequence(objectIdentifier('1.2.840.10045.4.3.2'));
    const der = sequence(info, algorithm, bitString(sign('sha256', info, { key: privateKey, dsaEncoding: 'der' })));
    assert.throws(() => checkCsr(parseCsr(der), web), /uncompressed ECDSA P-256 point/);
  });

  it('reads the subject alternative names another encoder wrote, of every kind', async () => {
    const name = fc.oneof(
      fc.domain().map((value) => ({ type: 'dns' as const, value })),
      fc.ipV4().map((value) => ({ type: 'ip' as const, value })),
      fc.emailAddress().map((value) => ({ type: 'email' as const, value })),
      fc.webUrl().map((value) => ({ type: 'url' as const, value })),
    );
    await fc.assert(fc.asyncProperty(fc.array(name, { minLength: 1, maxLength: 5 }), async (sans) => {
      const parsed = parseCsr((await csrFor(web, { sans })).der);
      const kinds = { dns: 'dns', ip: 'ip', email: 'email', url: 'uri' } as const;
      assert.deepEqual(parsed.subjectAltNames?.map((san) => [san.kind, san.value]), sans.map((san) => [kinds[san.type], san.value]));
      const expected = sans.length === 1 && sans[0]?.type === 'dns' && sans[0].value === web ? 'accepted' : 'FAILED_PRECONDITION';
      assert.equal(outcome((await csrFor(web, { sans })).der, web), expected);
    }), { numRuns: 40 });
  });
});
