import assert from 'node:assert/strict';
import { parseTrustAnchors, TrustAnchorError } from '../../src/identity/trust-anchors.js';
import { toPem } from '../../src/identity/pem.js';
import { childCa, rootCa } from './pki-fixtures.js';

describe('trust anchors', function () {
  this.timeout(60_000);

  it('accepts a bundle of ECDSA P-256, RSA 2048 and RSA 4096 CA certificates, with comments between them', async () => {
    const roots = await Promise.all([rootCa(), rootCa({ key: 'rsa2048', name: 'root-rsa2048' }), rootCa({ key: 'rsa4096', name: 'root-rsa4096' })]);
    const anchors = parseTrustAnchors(roots.map((root, i) => `# anchor ${i}\n${root.pem}`).join('\n'));
    assert.deepEqual(anchors.certificates.map((certificate) => certificate.subject), ['CN=root.linkerd.cluster.local', 'CN=root-rsa2048', 'CN=root-rsa4096']);
    assert.equal(parseTrustAnchors(anchors.pem).certificates.length, 3, 'its PEM reads back the same anchors');
  });

  it('refuses the whole bundle when one anchor has another kind of key', async () => {
    const bundle = (await rootCa()).pem + (await rootCa({ key: 'p384', name: 'root-p384' })).pem;
    assert.throws(() => parseTrustAnchors(bundle), (error: Error) => error instanceof TrustAnchorError && /certificate 2 \(CN=root-p384\) has a ec secp384r1 key/.test(error.message));
  });

  it('refuses a certificate that is not a CA', async () => {
    const leafish = await childCa(await rootCa(), { ca: false, name: 'not-a-ca' });
    assert.throws(() => parseTrustAnchors(leafish.pem), /not a CA certificate/);
  });

  it('refuses an empty bundle, a key block, garbage in a block and a block with no end', async () => {
    const root = await rootCa();
    assert.throws(() => parseTrustAnchors('just words\n'), /no PEM certificate/);
    assert.throws(() => parseTrustAnchors(root.keyPem), /PRIVATE KEY block, not a CERTIFICATE/);
    assert.throws(() => parseTrustAnchors(toPem('CERTIFICATE', Buffer.from('garbage'))), /does not parse/);
    assert.throws(() => parseTrustAnchors(root.pem.replace(/-----END CERTIFICATE-----\n$/, '')), /no END line/);
  });
});
