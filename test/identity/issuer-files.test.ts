import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { validateIssuer } from '../../src/identity/issuer.js';
import { readIssuerFiles } from '../../src/identity/issuer-files.js';
import { parseTrustAnchors } from '../../src/identity/trust-anchors.js';
import { tempDir } from '../support/engine-harness.js';
import { childCa, rootCa, writeIssuer } from './pki-fixtures.js';

const der = (pem: string): Buffer => new X509Certificate(pem).raw;

describe('issuer files', function () {
  this.timeout(60_000);
  let dir: string;

  beforeEach(() => { dir = tempDir('sinew-issuer-files-'); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads crt.pem and key.pem', async () => {
    const root = await rootCa();
    const issuer = await childCa(root);
    writeIssuer(dir, issuer, 'crt.pem');
    const files = readIssuerFiles(dir);
    assert.equal(files.layout, 'crt.pem');
    const loaded = validateIssuer(files, parseTrustAnchors(root.pem), new Date());
    assert.deepEqual(loaded.chain, [der(issuer.pem)]);
  });

  it('reads tls.crt and tls.key, building the chain through an intermediate in ca.crt', async () => {
    const root = await rootCa();
    const intermediate = await childCa(root, { name: 'intermediate' });
    const issuer = await childCa(intermediate);
    writeIssuer(dir, issuer, 'tls.crt', intermediate.pem);
    const files = readIssuerFiles(dir);
    assert.equal(files.layout, 'tls.crt');
    const loaded = validateIssuer(files, parseTrustAnchors(root.pem), new Date());
    assert.deepEqual(loaded.chain, [der(issuer.pem), der(intermediate.pem)]);
    assert.ok(loaded.chainExpiry.getTime() <= intermediate.certificate.notAfter.getTime());
  });

  it('builds the chain through intermediates that follow the issuer in its certificate file', async () => {
    const root = await rootCa();
    const intermediate = await childCa(root, { name: 'intermediate' });
    const issuer = await childCa(intermediate);
    writeIssuer(dir, { pem: issuer.pem + intermediate.pem, keyPem: issuer.keyPem });
    assert.equal(validateIssuer(readIssuerFiles(dir), parseTrustAnchors(root.pem), new Date()).chain.length, 2);
  });

  it('never trusts ca.crt as an anchor', async () => {
    const stranger = await rootCa({ name: 'root.elsewhere' });
    const issuer = await childCa(stranger);
    writeIssuer(dir, issuer, 'tls.crt', stranger.pem);
    const anchors = parseTrustAnchors((await rootCa()).pem);
    assert.throws(() => validateIssuer(readIssuerFiles(dir), anchors, new Date()), /does not chain/);
  });

  it('accepts an issuer signed by an RSA anchor', async () => {
    const root = await rootCa({ key: 'rsa2048', name: 'root-rsa' });
    writeIssuer(dir, await childCa(root));
    assert.ok(validateIssuer(readIssuerFiles(dir), parseTrustAnchors(root.pem), new Date()));
  });

  it('refuses an issuer with a P-384 key', async () => {
    const root = await rootCa();
    writeIssuer(dir, await childCa(root, { key: 'p384' }));
    assert.throws(() => validateIssuer(readIssuerFiles(dir), parseTrustAnchors(root.pem), new Date()), /not ECDSA P-256/);
  });

  it('prefers crt.pem when both layouts are present, and names what is missing', async () => {
    const issuer = await childCa(await rootCa());
    writeIssuer(dir, issuer, 'tls.crt');
    fs.writeFileSync(path.join(dir, 'crt.pem'), issuer.pem);
    assert.throws(() => readIssuerFiles(dir), /key\.pem is missing/);
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    assert.throws(() => readIssuerFiles(empty), /neither crt\.pem\/key\.pem nor tls\.crt\/tls\.key/);
  });

  it('gives equal digests to equal files and different ones after a change', async () => {
    const root = await rootCa();
    writeIssuer(dir, await childCa(root));
    const first = readIssuerFiles(dir).digest;
    assert.equal(readIssuerFiles(dir).digest, first);
    writeIssuer(dir, await childCa(root));
    assert.notEqual(readIssuerFiles(dir).digest, first);
  });
});
