/**
 * `sinew identity`: identity tooling. `generate-ca` writes a new trust anchor and issuer, in the
 * layout of a `kubernetes.io/tls` Secret so the directory can serve as `--identity-issuer-dir`
 * as it is. The X.509 library takes a fifth of a second to load, so it is imported only when a
 * certificate is to be made, never by other commands.
 */
import fs from 'node:fs';
import path from 'node:path';
import { defaultIdentityDomain, isDnsLabel, isTrustDomain } from '../identity/identity-name.js';
import { parse } from './args.js';
import type { CommandIo } from './command-io.js';
import { duration } from './duration.js';
import { UsageError } from './usage-error.js';

export const identityHelp = `Usage: sinew identity COMMAND [flags]

Commands:
  generate-ca   create a trust anchor and an issuer (ECDSA P-256) for the identity service

Usage: sinew identity generate-ca --out DIR [flags]

Creates a self-signed trust anchor root.<namespace>.<trust-domain> and an issuer
identity.<namespace>.<trust-domain> signed by it, and writes them to DIR as a
kubernetes.io/tls Secret holds them:

  DIR/ca.crt    the trust anchor certificate (give it to --identity-trust-anchors-file)
  DIR/tls.crt   the issuer certificate
  DIR/tls.key   the issuer's private key (mode 0600)

DIR then works as-is as 'sinew control-plane --identity-issuer-dir DIR'. The anchor's
private key is not written unless --anchor-key names a file for it; without it, a new
issuer means a new anchor. Existing files are never overwritten.

Flags:
      --out DIR                     where to write (created if missing)
      --trust-domain DOMAIN         default cluster.local
      --controller-namespace NS     the control plane's namespace (default linkerd)
      --anchor-lifetime DURATION    default 87600h (10 years)
      --issuer-lifetime DURATION    default 8760h (1 year; never past the anchor's end)
      --anchor-key FILE             also write the anchor's private key to FILE (mode 0600)
  -h, --help                        show this help
`;

function writeNew(file: string, text: string, mode: number): void {
  fs.writeFileSync(file, text, { mode, flag: 'wx' });
}

async function generateCaCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(argv, {
    out: { type: 'string' }, 'trust-domain': { type: 'string' }, 'controller-namespace': { type: 'string' },
    'anchor-lifetime': { type: 'string' }, 'issuer-lifetime': { type: 'string' }, 'anchor-key': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.out(identityHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const { defaultAnchorLifetimeMs, defaultIssuerLifetimeMs, generateCa } = await import('../identity/generate-ca.js');
  if (values.out === undefined) throw new UsageError('--out DIR is required');
  const trustDomain = values['trust-domain'] ?? defaultIdentityDomain.trustDomain;
  const controllerNamespace = values['controller-namespace'] ?? defaultIdentityDomain.controllerNamespace;
  if (!isTrustDomain(trustDomain)) throw new UsageError(`--trust-domain must be a DNS name; got ${JSON.stringify(trustDomain)}`);
  if (!isDnsLabel(controllerNamespace)) throw new UsageError(`--controller-namespace must be a DNS label; got ${JSON.stringify(controllerNamespace)}`);
  const anchorLifetimeMs = duration('--anchor-lifetime', values['anchor-lifetime'], defaultAnchorLifetimeMs, 60_000);
  const issuerLifetimeMs = duration('--issuer-lifetime', values['issuer-lifetime'], defaultIssuerLifetimeMs, 60_000);

  const out = values.out;
  const files = { anchor: path.join(out, 'ca.crt'), issuer: path.join(out, 'tls.crt'), key: path.join(out, 'tls.key') };
  const targets = [...Object.values(files), ...(values['anchor-key'] === undefined ? [] : [values['anchor-key']])];
  const existing = targets.filter((file) => fs.existsSync(file));
  if (existing.length > 0) throw new UsageError(`refusing to overwrite ${existing.join(', ')}`);

  const ca = await generateCa({ domain: { trustDomain, controllerNamespace }, anchorLifetimeMs, issuerLifetimeMs });
  fs.mkdirSync(out, { recursive: true });
  writeNew(files.anchor, ca.anchorPem, 0o644);
  writeNew(files.issuer, ca.issuerPem, 0o644);
  writeNew(files.key, ca.issuerKeyPem, 0o600);
  io.out(`wrote ${files.anchor}: trust anchor ${ca.anchorName}, valid until ${ca.anchorNotAfter.toISOString()}\n`);
  io.out(`wrote ${files.issuer}: issuer ${ca.issuerName}, valid until ${ca.issuerNotAfter.toISOString()}\n`);
  io.out(`wrote ${files.key}: the issuer's private key (ECDSA P-256)\n`);
  if (values['anchor-key'] !== undefined) {
    writeNew(values['anchor-key'], ca.anchorKeyPem, 0o600);
    io.out(`wrote ${values['anchor-key']}: the trust anchor's private key (ECDSA P-256); keep it offline\n`);
  }
  return 0;
}

export async function identityCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(identityHelp);
    return 0;
  }
  if (sub === 'generate-ca') return generateCaCommand(rest, io);
  throw new UsageError(`unknown identity command ${JSON.stringify(sub)}; the one there is: generate-ca`);
}
