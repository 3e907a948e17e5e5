import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { validateIssuer } from '../../src/identity/issuer.js';
import { readIssuerFiles } from '../../src/identity/issuer-files.js';
import { readTrustAnchors } from '../../src/identity/trust-anchors.js';
import { tempDir } from '../support/engine-harness.js';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (text) => { out += text; }, err: (text) => { err += text; } });
  return { code, out, err };
}

describe('sinew identity generate-ca', function () {
  this.timeout(60_000);
  let dir: string;

  beforeEach(() => { dir = tempDir('sinew-generate-ca-'); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes ca.crt, tls.crt and tls.key, says so, and the directory serves as an issuer directory as it is', async () => {
    const out = path.join(dir, 'ca');
    const result = await run('identity', 'generate-ca', '--out', out, '--trust-domain', 'example.org', '--controller-namespace', 'mesh',
      '--issuer-lifetime', '48h', '--anchor-lifetime', '8760h');
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, new RegExp(`wrote ${path.join(out, 'ca.crt')}: trust anchor root\\.mesh\\.example\\.org, valid until`));
    assert.match(result.out, /tls\.crt: issuer identity\.mesh\.example\.org/);
    assert.match(result.out, /tls\.key: the issuer's private key/);
    assert.equal(fs.statSync(path.join(out, 'tls.key')).mode & 0o777, 0o600);
    const issuer = validateIssuer(readIssuerFiles(out), readTrustAnchors(path.join(out, 'ca.crt')), new Date());
    assert.ok(Math.abs(issuer.notAfter.getTime() - issuer.notBefore.getTime() - 48 * 3600_000) < 1000);
    assert.equal(fs.existsSync(path.join(out, 'ca.key')), false, 'the anchor key is not written unless asked for');
  });

  it('writes the anchor key only where --anchor-key says, and never overwrites', async () => {
    const anchorKey = path.join(dir, 'anchor.key');
    assert.equal((await run('identity', 'generate-ca', '--out', dir, '--anchor-key', anchorKey)).code, 0);
    assert.match(fs.readFileSync(anchorKey, 'utf8'), /BEGIN EC PRIVATE KEY/);
    const again = await run('identity', 'generate-ca', '--out', dir);
    assert.equal(again.code, 2);
    assert.match(again.err, /refusing to overwrite/);
  });

  it('refuses a missing --out, a bad trust domain and a bad duration with usage errors', async () => {
    assert.match((await run('identity', 'generate-ca')).err, /--out DIR is required/);
    assert.match((await run('identity', 'generate-ca', '--out', dir, '--trust-domain', 'Not_A_Domain')).err, /--trust-domain must be a DNS name/);
    assert.match((await run('identity', 'generate-ca', '--out', dir, '--issuer-lifetime', '1y')).err, /--issuer-lifetime must be a duration/);
    assert.match((await run('identity', 'rotate')).err, /unknown identity command "rotate"/);
  });

  it('documents the layout it writes in --help', async () => {
    const help = (await run('identity', 'generate-ca', '--help')).out;
    for (const text of ['DIR/ca.crt', 'DIR/tls.crt', 'DIR/tls.key', '--identity-issuer-dir DIR', '--anchor-lifetime', '--issuer-lifetime']) assert.ok(help.includes(text), text);
    assert.ok((await run('--help')).out.includes('identity'));
  });
});
