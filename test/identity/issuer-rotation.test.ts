import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { filter, firstValueFrom, timeout } from 'rxjs';
import type { ReloadOutcome } from '../../src/identity/issuer-source.js';
import { x509 } from '../../src/identity/x509.js';
import { type IdentityHarness, startIdentityHarness } from './identity-harness.js';
import { childCa, csrFor, identityOf, rootCa, type TestCa, writeIssuer } from './pki-fixtures.js';

const web = identityOf('web', 'shop');

/** Writes the issuer files and waits for the watcher's reload of them. */
async function rotate(h: IdentityHarness, issuer: { pem: string; keyPem: string }): Promise<ReloadOutcome> {
  const next = firstValueFrom(h.issuers.outcomes.pipe(filter((outcome) => outcome.kind !== 'unchanged'), timeout(10_000)));
  writeIssuer(h.issuerDir, issuer);
  return next;
}

async function issuedBy(h: IdentityHarness): Promise<X509Certificate> {
  const answer = await h.certify({ identity: web, token: 'token-web', csr: (await csrFor(web)).der });
  if (!answer.ok) assert.fail(`Certify refused: ${status[answer.error.code]} ${answer.error.details}`);
  const issuer = new X509Certificate(answer.response.intermediate_certificates[0] as Buffer);
  assert.ok(new X509Certificate(answer.response.leaf_certificate).verify(issuer.publicKey));
  return issuer;
}

function fingerprintOf(ca: TestCa): string {
  return new X509Certificate(Buffer.from(ca.certificate.rawData)).fingerprint256;
}

async function refusedReloads(h: IdentityHarness): Promise<number> {
  const values = (await h.registry.getSingleMetric('identity_issuer_reloads_total')?.get())?.values ?? [];
  return values.find((value) => value.labels.result === 'refused')?.value ?? 0;
}

describe('issuer rotation', function () {
  this.timeout(60_000);
  let h: IdentityHarness;

  beforeEach(async () => {
    h = await startIdentityHarness();
    h.api.addServiceAccountToken('token-web', 'shop', 'web', ['identity.l5d.io']);
  });
  afterEach(async () => h.close());

  it('loads a valid new issuer when its files change, and signs with it from then on', async () => {
    assert.equal((await issuedBy(h)).fingerprint256, fingerprintOf(h.issuer));
    const next = await childCa(h.root);
    const outcome = await rotate(h, next);
    assert.equal(outcome.kind, 'loaded');
    assert.equal((await issuedBy(h)).fingerprint256, fingerprintOf(next));
  });

  const bad: readonly [string, (root: TestCa) => Promise<TestCa>, RegExp][] = [
    ['is not a CA', (root) => childCa(root, { ca: false }), /not a CA/],
    ['does not chain to the anchors', async () => childCa(await rootCa({ name: 'root.elsewhere.cluster.local' })), /does not chain/],
    ['has expired', (root) => childCa(root, { notBefore: new Date(Date.now() - 48 * 3600_000), notAfter: new Date(Date.now() - 3600_000) }), /expired/],
    ['may not sign certificates', (root) => childCa(root, { usages: x509.KeyUsageFlags.digitalSignature }), /keyCertSign/],
  ];
  for (const [what, make, reason] of bad) {
    it(`refuses a new issuer that ${what}, and issuance goes on with the old one`, async () => {
      const before = await issuedBy(h);
      const refusals = await refusedReloads(h);
      const outcome = await rotate(h, await make(h.root));
      assert.equal(outcome.kind, 'refused');
      assert.match(outcome.kind === 'refused' ? outcome.reason : '', reason);
      assert.equal(await refusedReloads(h), refusals + 1);
      assert.equal((await issuedBy(h)).fingerprint256, before.fingerprint256);
    });
  }

  it('refuses a key that is not the certificate\'s', async () => {
    const other = await childCa(h.root);
    const outcome = await rotate(h, { pem: (await childCa(h.root)).pem, keyPem: other.keyPem });
    assert.match(outcome.kind === 'refused' ? outcome.reason : 'loaded', /does not belong/);
  });

  it('answers UNAVAILABLE once the issuer in use has expired, with no certificate issued', async () => {
    const shortLived = await childCa(h.root, { notAfter: new Date(Date.now() + 2000) });
    assert.equal((await rotate(h, shortLived)).kind, 'loaded');
    const early = await h.certify({ identity: web, token: 'token-web', csr: (await csrFor(web)).der });
    assert.ok(early.ok, 'issues while the issuer is valid');
    const leaf = new x509.X509Certificate(early.response.leaf_certificate);
    assert.ok(leaf.notAfter.getTime() <= shortLived.certificate.notAfter.getTime(), 'a leaf never outlives its issuer');
    await new Promise((resolve) => setTimeout(resolve, shortLived.certificate.notAfter.getTime() - Date.now() + 1100));
    const issued = await h.issued();
    const late = await h.certify({ identity: web, token: 'token-web', csr: (await csrFor(web)).der });
    assert.ok(!late.ok && late.error.code === status.UNAVAILABLE, late.ok ? 'issued' : late.error.details);
    assert.match(late.error.details, /expired/);
    assert.equal(await h.issued(), issued);
  });
});

describe('issuer not loaded yet', function () {
  this.timeout(60_000);

  it('answers UNAVAILABLE, then issues once valid files appear', async () => {
    const h = await startIdentityHarness({ withoutIssuer: true });
    try {
      h.api.addServiceAccountToken('token-web', 'shop', 'web', ['identity.l5d.io']);
      const csr = (await csrFor(web)).der;
      const before = await h.certify({ identity: web, token: 'token-web', csr });
      assert.ok(!before.ok && before.error.code === status.UNAVAILABLE);
      assert.equal((await rotate(h, h.issuer)).kind, 'loaded');
      assert.ok((await h.certify({ identity: web, token: 'token-web', csr })).ok);
    } finally {
      await h.close();
    }
  });
});
