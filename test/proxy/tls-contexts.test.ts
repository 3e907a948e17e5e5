import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { filter, firstValueFrom } from 'rxjs';
import { silentLogger } from '../../src/observe/logger.js';
import { startIdentityClient } from '../../src/proxy/identity-client.js';
import type { LocalIdentity } from '../../src/proxy/local-identity.js';
import { certificateIdentity, expectIdentity, peerIdentity, subjectAltNames } from '../../src/proxy/peer-identity.js';
import { clientTlsOptions, secureContextFor, serverTlsOptions } from '../../src/proxy/tls-contexts.js';
import { type IdentityHarness, startIdentityHarness } from '../identity/identity-harness.js';
import { identityOf } from '../identity/pki-fixtures.js';
import { tempDir } from '../support/engine-harness.js';

/** An identity for `account` in `shop`, obtained by the proxy's identity client from the harness. */
async function issue(h: IdentityHarness, account: string): Promise<LocalIdentity> {
  const dir = tempDir('sinew-tls-');
  const tokenFile = path.join(dir, 'token');
  h.api.addServiceAccountToken(`token-${account}`, 'shop', account, ['identity.l5d.io']);
  fs.writeFileSync(tokenFile, `token-${account}`);
  const client = startIdentityClient({
    addr: { host: '127.0.0.1', port: h.server.port }, serverName: undefined, trustAnchorsPem: h.anchors.pem,
    localName: identityOf(account, 'shop'), tokenFile, log: silentLogger,
  });
  try {
    return await firstValueFrom(client.updates.pipe(filter((id): id is LocalIdentity => id !== undefined)));
  } finally {
    client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface Seen {
  readonly authorized: boolean;
  readonly identity: string | undefined;
  readonly protocol: string | null;
  readonly alpn: string | false | null;
}

function seen(socket: tls.TLSSocket): Seen {
  return { authorized: socket.authorized, identity: peerIdentity(socket), protocol: socket.getProtocol(), alpn: socket.alpnProtocol };
}

interface Exchange {
  readonly server: Seen;
  readonly client: Seen;
  readonly echoed: string;
}

/** Accepts one connection on a plain TCP listener and wraps it as the inbound proxy does (`new TLSSocket`). */
async function listen(identity: LocalIdentity, wrap: 'TLSSocket' | 'createServer'): Promise<{ port: number; accepted: Promise<Seen>; close(): void }> {
  let resolveSeen: (value: Seen) => void = () => undefined;
  const accepted = new Promise<Seen>((resolve) => (resolveSeen = resolve));
  const onSecure = (socket: tls.TLSSocket): void => {
    resolveSeen(seen(socket));
    socket.on('error', () => undefined);
    socket.pipe(socket);
  };
  let server: net.Server;
  if (wrap === 'createServer') {
    server = tls.createServer(serverTlsOptions(identity), onSecure);
    server.on('tlsClientError', () => undefined);
  } else {
    server = net.createServer((raw) => {
      const socket = new tls.TLSSocket(raw, serverTlsOptions(identity));
      socket.on('secure', () => onSecure(socket));
      socket.on('error', () => undefined);
    });
  }
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as net.AddressInfo).port, accepted, close: () => void server.close() };
}

async function exchange(server: LocalIdentity, options: tls.ConnectionOptions, wrap: 'TLSSocket' | 'createServer' = 'TLSSocket'): Promise<Exchange> {
  const listener = await listen(server, wrap);
  try {
    const socket = tls.connect({ host: '127.0.0.1', port: listener.port, ...options });
    try {
      await once(socket, 'secureConnect');
      const client = seen(socket);
      socket.write('ping');
      const [data] = await once(socket, 'data') as [Buffer];
      return { server: await listener.accepted, client, echoed: data.toString() };
    } finally {
      socket.destroy();
    }
  } finally {
    listener.close();
  }
}

describe('TLS between proxies', function () {
  this.timeout(60_000);
  let h: IdentityHarness;
  let elsewhere: IdentityHarness;
  let web: LocalIdentity;
  let api: LocalIdentity;
  let stranger: LocalIdentity;

  before(async () => {
    h = await startIdentityHarness();
    elsewhere = await startIdentityHarness();
    web = await issue(h, 'web');
    api = await issue(h, 'api');
    stranger = await issue(elsewhere, 'web');
  });
  after(async () => {
    await h.close();
    await elsewhere.close();
  });

  for (const wrap of ['TLSSocket', 'createServer'] as const) {
    describe(`with the server side from ${wrap === 'TLSSocket' ? 'new tls.TLSSocket' : 'tls.createServer'}`, () => {
      it('completes a TLS 1.3 handshake in which each side sees the other\'s identity', async () => {
        const result = await exchange(api, clientTlsOptions(web, api.name, ['h2']), wrap);
        assert.deepEqual(result.client, { authorized: true, identity: api.name, protocol: 'TLSv1.3', alpn: 'h2' });
        // `authorized` is recorded by tls.Server only; peerIdentity does not depend on it.
        const { identity, protocol, alpn } = result.server;
        assert.deepEqual({ identity, protocol, alpn }, { identity: web.name, protocol: 'TLSv1.3', alpn: 'h2' });
        assert.equal(result.echoed, 'ping');
      });

      it('accepts a client without a certificate at the TLS layer, without an identity', async () => {
        const result = await exchange(api, { ca: web.trustAnchorsPem, servername: api.name, checkServerIdentity: expectIdentity(api.name) }, wrap);
        assert.equal(result.echoed, 'ping');
        assert.equal(result.server.authorized, false);
        assert.equal(result.server.identity, undefined);
        assert.equal(result.client.identity, api.name);
      });

      it('gives no identity to a client whose certificate chains to other anchors', async () => {
        const secureContext = tls.createSecureContext({ key: stranger.keyPem, cert: stranger.certChainPem, ca: web.trustAnchorsPem });
        const result = await exchange(api, { ...clientTlsOptions(stranger, api.name), secureContext }, wrap);
        assert.equal(result.echoed, 'ping');
        assert.equal(result.server.authorized, false);
        assert.equal(result.server.identity, undefined);
      });
    });
  }

  it('negotiates http/1.1 with a client that offers only it, and no ALPN with one that offers none', async () => {
    assert.equal((await exchange(api, clientTlsOptions(web, api.name, ['http/1.1']))).server.alpn, 'http/1.1');
    assert.equal((await exchange(api, clientTlsOptions(web, api.name))).server.alpn, false);
  });

  it('refuses a server whose identity is not the expected server name', async () => {
    await assert.rejects(exchange(api, clientTlsOptions(web, identityOf('db', 'shop'))),
      (error: Error) => error.name === 'PeerIdentityError' && error.message.includes(`"${api.name}"`) && error.message.includes('db.shop'));
  });

  it('refuses a server whose certificate does not chain to the trust anchors, even with the right name', async () => {
    await assert.rejects(exchange(stranger, clientTlsOptions(web, stranger.name)), /unable to get local issuer certificate|self.signed|certificate/i);
  });

  it('refuses a client limited to TLS 1.2', async () => {
    await assert.rejects(exchange(api, { ca: web.trustAnchorsPem, servername: api.name, maxVersion: 'TLSv1.2' }), /protocol|version/i);
  });

  it('builds one secure context per identity object', () => {
    assert.equal(secureContextFor(web), secureContextFor(web));
    assert.equal(serverTlsOptions(web).secureContext, clientTlsOptions(web, api.name).secureContext);
    assert.notEqual(secureContextFor({ ...web }), secureContextFor(web), 'a renewed identity (a new object) gets its own');
  });

  describe('peer identity of a certificate', () => {
    it('is its one DNS name, other kinds of names aside', () => {
      assert.equal(certificateIdentity('DNS:web.shop.serviceaccount.identity.linkerd.cluster.local'), 'web.shop.serviceaccount.identity.linkerd.cluster.local');
      assert.equal(certificateIdentity('IP Address:10.0.0.1, DNS:web.shop, URI:spiffe://cluster.local/ns/shop/sa/web'), 'web.shop');
    });

    it('is none for no DNS name, several, or text that does not parse', () => {
      assert.equal(certificateIdentity(undefined), undefined);
      assert.equal(certificateIdentity(''), undefined);
      assert.equal(certificateIdentity('IP Address:10.0.0.1'), undefined);
      assert.equal(certificateIdentity('DNS:a.shop, DNS:b.shop'), undefined);
      assert.equal(certificateIdentity('DNS:"unterminated'), undefined);
    });

    it('cannot be smuggled inside a quoted value', () => {
      assert.deepEqual(subjectAltNames('DNS:"x, DNS:web.shop"'), [{ type: 'DNS', value: 'x, DNS:web.shop' }]);
      assert.notEqual(certificateIdentity('DNS:"x, DNS:web.shop"'), 'web.shop');
    });

    it('matches the expected name exactly: no wildcard, no case folding, no suffix', () => {
      const check = expectIdentity('web.shop.serviceaccount.identity.linkerd.cluster.local');
      const cert = (san: string): tls.PeerCertificate => ({ subjectaltname: san }) as tls.PeerCertificate;
      assert.equal(check('ignored', cert('DNS:web.shop.serviceaccount.identity.linkerd.cluster.local')), undefined);
      for (const san of ['DNS:*.shop.serviceaccount.identity.linkerd.cluster.local', 'DNS:WEB.shop.serviceaccount.identity.linkerd.cluster.local',
        'DNS:eb.shop.serviceaccount.identity.linkerd.cluster.local', 'DNS:web.shop.serviceaccount.identity.linkerd.cluster.local.evil']) {
        assert.ok(check('ignored', cert(san)) instanceof Error, san);
      }
    });
  });
});
