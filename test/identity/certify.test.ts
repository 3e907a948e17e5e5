import assert from 'node:assert/strict';
import { webcrypto, X509Certificate } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { x509 } from '../../src/identity/x509.js';
import { type CertifyAnswer, type IdentityHarness, startIdentityHarness } from './identity-harness.js';
import { csrFor, identityOf, withBrokenSignature } from './pki-fixtures.js';

const web = identityOf('web', 'shop');
const api = identityOf('api', 'shop');

function certificateOf(answer: CertifyAnswer): { leaf: X509Certificate; chain: X509Certificate[]; validUntil: Date } {
  if (!answer.ok) assert.fail(`Certify refused: ${status[answer.error.code]} ${answer.error.details}`);
  const { response } = answer;
  const seconds = Number(response.valid_until?.seconds ?? NaN);
  return {
    leaf: new X509Certificate(response.leaf_certificate),
    chain: response.intermediate_certificates.map((der) => new X509Certificate(der)),
    validUntil: new Date(seconds * 1000 + (response.valid_until?.nanos ?? 0) / 1e6),
  };
}

describe('Identity.Certify over gRPC', function () {
  this.timeout(60_000);
  let h: IdentityHarness;

  before(async () => {
    h = await startIdentityHarness();
    h.api.addServiceAccountToken('token-web', 'shop', 'web', ['identity.l5d.io']);
    h.api.addServiceAccountToken('token-api-server-audience', 'shop', 'web');
    h.api.addServiceAccountToken('token-other-audience', 'shop', 'web', ['vault']);
    h.api.addServiceAccountToken('token-to-expire', 'shop', 'web', ['identity.l5d.io']);
    h.api.addToken('token-user', { username: 'alice', audiences: ['identity.l5d.io'] });
  });
  after(async () => h.close());

  async function refused(request: Parameters<IdentityHarness['certify']>[0], code: status, reason?: RegExp): Promise<void> {
    const before = await h.issued();
    const answer = await h.certify(request);
    if (answer.ok) assert.fail(`expected ${status[code]}, but a certificate was issued`);
    assert.equal(status[answer.error.code], status[code], answer.error.details);
    if (reason !== undefined) assert.match(answer.error.details, reason);
    assert.equal(await h.issued(), before, 'no certificate was issued');
  }

  describe('a valid request', () => {
    it('gets a leaf for exactly the identity, signed by the issuer, which chains to the anchor', async () => {
      const csr = await csrFor(web);
      const { leaf, chain } = certificateOf(await h.certify({ identity: web, token: 'token-web', csr: csr.der }));
      assert.equal(leaf.subjectAltName, `DNS:${web}`);
      assert.equal(leaf.ca, false);
      assert.equal(chain.length, 1);
      const [issuer] = chain as [X509Certificate];
      assert.ok(leaf.checkIssued(issuer) && leaf.verify(issuer.publicKey), 'the leaf is signed by the issuer');
      const anchor = h.anchors.certificates[0] as X509Certificate;
      assert.ok(issuer.checkIssued(anchor) && issuer.verify(anchor.publicKey), 'the issuer is signed by the anchor');
      assert.ok(leaf.publicKey.export({ type: 'spki', format: 'der' }).equals(Buffer.from(await cryptoSpki(csr.keys.publicKey))));
    });

    it('is ECDSA/SHA-256 with digitalSignature + keyEncipherment and serverAuth + clientAuth', async () => {
      const { leaf } = certificateOf(await h.certify({ identity: web, token: 'token-web', csr: (await csrFor(web)).der }));
      const parsed = new x509.X509Certificate(leaf.raw);
      const algorithm = parsed.signatureAlgorithm as unknown as { name: string; hash?: { name: string } };
      assert.equal(algorithm.name, 'ECDSA');
      assert.equal(algorithm.hash?.name, 'SHA-256');
      const usage = parsed.getExtension('2.5.29.15');
      assert.ok(usage instanceof x509.KeyUsagesExtension && usage.critical);
      assert.equal(usage.usages, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
      const extended = parsed.getExtension('2.5.29.37');
      assert.ok(extended instanceof x509.ExtendedKeyUsageExtension);
      assert.deepEqual([...extended.usages].sort(), [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth].sort());
    });

    it('lasts 24 h with 20 s of clock skew on both ends, and valid_until is its NotAfter', async () => {
      const start = Date.now();
      const { leaf, validUntil } = certificateOf(await h.certify({ identity: web, token: 'token-web', csr: (await csrFor(web)).der }));
      const parsed = new x509.X509Certificate(leaf.raw);
      assert.equal(parsed.notAfter.getTime() - parsed.notBefore.getTime(), 24 * 3600_000 + 40_000);
      assert.ok(Math.abs(parsed.notBefore.getTime() - (start - 20_000)) < 2000);
      assert.equal(validUntil.getTime(), parsed.notAfter.getTime());
    });

    it('keeps a common name equal to the identity, and an empty subject when the CSR has none', async () => {
      const named = certificateOf(await h.certify({ identity: web, token: 'token-web', csr: (await csrFor(web, { commonName: web })).der }));
      assert.equal(named.leaf.subject, `CN=${web}`);
      const bare = certificateOf(await h.certify({ identity: web, token: 'token-web', csr: (await csrFor(web)).der }));
      assert.equal(bare.leaf.subject ?? '', '', 'an empty subject');
    });
  });

  describe('a request that is refused, with no certificate issued', () => {
    it('asks for an identity other than the token proves: FAILED_PRECONDITION', async () => {
      await refused({ identity: api, token: 'token-web', csr: (await csrFor(api)).der }, status.FAILED_PRECONDITION, /does not match the token/);
    });

    for (const [what, san] of [
      ['an IP address', { type: 'ip', value: '10.0.0.1' }],
      ['a URI', { type: 'url', value: 'spiffe://cluster.local/ns/shop/sa/web' }],
      ['an email address', { type: 'email', value: 'web@shop.example' }],
      ['a second DNS name', { type: 'dns', value: api }],
    ] as const) {
      it(`has ${what} besides the DNS name: FAILED_PRECONDITION`, async () => {
        const csr = await csrFor(web, { sans: [{ type: 'dns', value: web }, san] });
        await refused({ identity: web, token: 'token-web', csr: csr.der }, status.FAILED_PRECONDITION);
      });
    }

    it('names another identity in its one DNS name: FAILED_PRECONDITION', async () => {
      await refused({ identity: web, token: 'token-web', csr: (await csrFor(api)).der }, status.FAILED_PRECONDITION, /does not match the requested identity/);
    });

    it('has no subject alternative name at all: FAILED_PRECONDITION', async () => {
      await refused({ identity: web, token: 'token-web', csr: (await csrFor(web, { sans: [] })).der }, status.FAILED_PRECONDITION, /exactly one DNS name/);
    });

    it('has a common name other than the identity: FAILED_PRECONDITION', async () => {
      await refused({ identity: web, token: 'token-web', csr: (await csrFor(web, { commonName: api })).der }, status.FAILED_PRECONDITION, /common name/);
    });

    for (const key of ['rsa2048', 'p384'] as const) {
      it(`has a ${key} key: FAILED_PRECONDITION`, async () => {
        await refused({ identity: web, token: 'token-web', csr: (await csrFor(web, { key })).der }, status.FAILED_PRECONDITION, /ECDSA P-256/);
      });
    }

    it('carries a signature that does not verify: FAILED_PRECONDITION', async () => {
      const csr = withBrokenSignature((await csrFor(web)).der);
      await refused({ identity: web, token: 'token-web', csr }, status.FAILED_PRECONDITION, /signature does not verify/);
    });

    it('sends bytes that are not DER: INVALID_ARGUMENT', async () => {
      await refused({ identity: web, token: 'token-web', csr: Buffer.from('not a certificate request') }, status.INVALID_ARGUMENT, /does not parse/);
      const truncated = (await csrFor(web)).der.subarray(0, 100);
      await refused({ identity: web, token: 'token-web', csr: truncated }, status.INVALID_ARGUMENT, /does not parse/);
    });

    it('has no token, identity or CSR: INVALID_ARGUMENT', async () => {
      const csr = (await csrFor(web)).der;
      await refused({ identity: web, token: '', csr }, status.INVALID_ARGUMENT, /missing token/);
      await refused({ identity: '', token: 'token-web', csr }, status.INVALID_ARGUMENT, /missing identity/);
      await refused({ identity: web, token: 'token-web', csr: Buffer.alloc(0) }, status.INVALID_ARGUMENT, /missing certificate signing request/);
    });

    it('has a token the API server does not know: INVALID_ARGUMENT', async () => {
      await refused({ identity: web, token: 'token-nobody-issued', csr: (await csrFor(web)).der }, status.INVALID_ARGUMENT, /token review/);
    });

    it('has a token for another audience, or only the API server\'s, with no retry without audience: INVALID_ARGUMENT', async () => {
      const csr = (await csrFor(web)).der;
      await refused({ identity: web, token: 'token-other-audience', csr }, status.INVALID_ARGUMENT, /audiences/);
      await refused({ identity: web, token: 'token-api-server-audience', csr }, status.INVALID_ARGUMENT, /audiences/);
    });

    it('has an expired token: INVALID_ARGUMENT', async () => {
      const csr = (await csrFor(web)).der;
      certificateOf(await h.certify({ identity: web, token: 'token-to-expire', csr }));
      h.expireToken('token-to-expire');
      await refused({ identity: web, token: 'token-to-expire', csr }, status.INVALID_ARGUMENT, /expired/);
    });

    it('has a token of a user that is not a service account: INVALID_ARGUMENT', async () => {
      await refused({ identity: web, token: 'token-user', csr: (await csrFor(web)).der }, status.INVALID_ARGUMENT, /system:serviceaccount/);
    });
  });
});

describe('Identity.Certify options', function () {
  this.timeout(60_000);

  it('reviews a token again without an audience only when asked to', async () => {
    const h = await startIdentityHarness({ retryWithoutAudience: true });
    try {
      h.api.addServiceAccountToken('token-legacy', 'shop', 'web');
      const answer = await h.certify({ identity: web, token: 'token-legacy', csr: (await csrFor(web)).der });
      assert.ok(answer.ok, answer.ok ? '' : answer.error.details);
    } finally {
      await h.close();
    }
  });

  it('answers RESOURCE_EXHAUSTED to a client past its rate limit, before looking at the request', async () => {
    const h = await startIdentityHarness({ limit: { perSecond: 0.01, burst: 2 } });
    try {
      h.api.addServiceAccountToken('token-web', 'shop', 'web', ['identity.l5d.io']);
      const csr = (await csrFor(web)).der;
      for (let i = 0; i < 2; i++) assert.ok((await h.certify({ identity: web, token: 'token-web', csr })).ok);
      const answer = await h.certify({ identity: web, token: 'token-web', csr });
      assert.ok(!answer.ok && answer.error.code === status.RESOURCE_EXHAUSTED);
      const garbage = await h.certify({ identity: '', token: '', csr: Buffer.alloc(0) });
      assert.ok(!garbage.ok && garbage.error.code === status.RESOURCE_EXHAUSTED);
      assert.equal(await h.issued(), 2);
    } finally {
      await h.close();
    }
  });
});

function cryptoSpki(key: webcrypto.CryptoKey): Promise<ArrayBuffer> {
  return webcrypto.subtle.exportKey('spki', key);
}
