import assert from 'node:assert/strict';
import { createPrivateKey, KeyObject, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { filter, firstValueFrom } from 'rxjs';
import { TrustAnchorError } from '../../src/identity/trust-anchors.js';
import { createLogger } from '../../src/observe/logger.js';
import {
  type IdentityClient, IdentityClientError, type IdentityClientOptions, refreshDelayMs, startIdentityClient,
} from '../../src/proxy/identity-client.js';
import { acceptCertified, CertifyAnswerError, type LocalIdentity } from '../../src/proxy/local-identity.js';
import { serverTlsOptions } from '../../src/proxy/tls-contexts.js';
import { type IdentityHarness, startIdentityHarness } from '../identity/identity-harness.js';
import { csrFor, identityOf, privateKeyPem } from '../identity/pki-fixtures.js';
import { tempDir } from '../support/engine-harness.js';

interface Logged {
  readonly lines: string[];
  readonly log: ReturnType<typeof createLogger>;
}

function capturedLog(): Logged {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: 'debug', write: (line) => lines.push(line) }) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function nextIdentity(client: IdentityClient, unlike?: LocalIdentity): Promise<LocalIdentity> {
  return firstValueFrom(client.updates.pipe(filter((id): id is LocalIdentity => id !== undefined && id !== unlike)));
}

/** A TCP relay to the identity server that can be taken down and brought back on the same port. */
interface Relay {
  readonly port: number;
  down(): Promise<void>;
  up(): Promise<void>;
}

async function startRelay(targetPort: number, wrap?: tls.TlsOptions): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  const forward = (socket: net.Socket): void => {
    sockets.add(socket);
    const upstream = net.connect(targetPort, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    const end = (): void => void (socket.destroy(), upstream.destroy(), sockets.delete(socket));
    socket.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  };
  const makeServer = (): net.Server => {
    const server = wrap === undefined ? net.createServer(forward) : tls.createServer(wrap, forward);
    server.on('tlsClientError', () => undefined);
    return server;
  };
  let server = makeServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    async down() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
    async up() {
      server = makeServer();
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
  };
}

describe('proxy identity client', function () {
  this.timeout(60_000);
  let dir: string;
  const clients: IdentityClient[] = [];

  beforeEach(() => {
    dir = tempDir('sinew-proxy-identity-');
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A token for `account` in the namespace `shop`, registered with the fake API server and written to a file. */
  function tokenFile(h: IdentityHarness, account: string, token = `token-${account}`, namespace = 'shop'): string {
    h.api.addServiceAccountToken(token, namespace, account, ['identity.l5d.io']);
    const file = path.join(dir, `${account}.token`);
    fs.writeFileSync(file, token);
    return file;
  }

  function start(h: IdentityHarness, overrides: Partial<IdentityClientOptions> & { account?: string } = {}): IdentityClient {
    const account = overrides.account ?? 'web';
    const client = startIdentityClient({
      addr: { host: '127.0.0.1', port: h.server.port }, serverName: undefined, trustAnchorsPem: h.anchors.pem,
      localName: identityOf(account, 'shop'), tokenFile: overrides.tokenFile ?? tokenFile(h, account),
      log: capturedLog().log, refresh: { minMs: 0, maxMs: 3600_000 }, backoff: { initialMs: 100, maxMs: 400, factor: 2, jitter: 0 },
      ...overrides,
    });
    clients.push(client);
    return client;
  }

  describe('with day-long certificates', () => {
    let h: IdentityHarness;
    before(async () => {
      h = await startIdentityHarness();
    });
    after(async () => h.close());

    it('holds nothing until the identity service has certified it, then holds a chain for its own key and name', async () => {
      const client = start(h);
      assert.equal(client.current(), undefined);
      const identity = await nextIdentity(client);
      assert.equal(client.current(), identity);
      assert.equal(identity.name, identityOf('web', 'shop'));
      assert.equal(identity.trustAnchorsPem, h.anchors.pem);
      const leaf = new X509Certificate(identity.certChainPem);
      assert.equal(leaf.subjectAltName, `DNS:${identityOf('web', 'shop')}`);
      assert.ok(leaf.checkPrivateKey(createPrivateKey(identity.keyPem)), 'the key is the one the leaf certifies');
      assert.ok(leaf.verify(new X509Certificate(h.issuer.pem).publicKey), 'the leaf is signed by the issuer');
      assert.equal(identity.notAfter.getTime(), new Date(leaf.validTo).getTime());
      assert.match(identity.certChainPem, /(-----BEGIN CERTIFICATE-----[^]*){2}/, 'the chain carries the issuer after the leaf');
    });

    it('reports undefined once the held certificate has expired by its clock, and emits it', async () => {
      let offsetMs = 0;
      const client = start(h, { account: 'clock', now: () => Date.now() + offsetMs });
      const identity = await nextIdentity(client);
      const seen: (LocalIdentity | undefined)[] = [];
      client.updates.subscribe((id) => seen.push(id));
      offsetMs = identity.notAfter.getTime() - Date.now() - 1000;
      assert.equal(client.current(), identity, 'still valid a second before expiry');
      offsetMs = identity.notAfter.getTime() - Date.now() + 1000;
      assert.equal(client.current(), undefined);
      assert.deepEqual(seen, [identity, undefined]);
    });

    it('logs a token file it cannot read, and certifies once the file is there', async () => {
      const logged = capturedLog();
      const file = path.join(dir, 'late.token');
      const client = start(h, { account: 'late', tokenFile: file, log: logged.log });
      await sleep(300);
      assert.equal(client.current(), undefined);
      assert.ok(logged.lines.some((line) => line.includes('cannot read the identity token file') && line.includes(file)), logged.lines.join('\n'));
      h.api.addServiceAccountToken('token-late', 'shop', 'late', ['identity.l5d.io']);
      fs.writeFileSync(file, 'token-late');
      assert.equal((await nextIdentity(client)).name, identityOf('late', 'shop'));
    });

    it('does not hold a certificate the identity service refused to issue (a token for another account)', async () => {
      const logged = capturedLog();
      const client = start(h, { account: 'thief', tokenFile: tokenFile(h, 'web', 'token-of-web'), log: logged.log });
      await sleep(300);
      assert.equal(client.current(), undefined);
      assert.ok(logged.lines.some((line) => /FAILED_PRECONDITION/.test(line)), logged.lines.join('\n'));
    });

    it('once closed, completes its updates and calls the identity service no more', async () => {
      const before = await h.issued();
      const client = start(h, { account: 'closed' });
      let completed = false;
      client.updates.subscribe({ complete: () => void (completed = true) });
      client.close();
      await sleep(300);
      assert.equal(completed, true);
      assert.equal(client.current(), undefined);
      assert.equal(await h.issued(), before);
    });

    it('refuses options it cannot work with, naming them', () => {
      const base: IdentityClientOptions = {
        addr: { host: '127.0.0.1', port: h.server.port }, serverName: undefined, trustAnchorsPem: h.anchors.pem,
        localName: identityOf('web', 'shop'), tokenFile: '/var/run/token', log: capturedLog().log,
      };
      assert.throws(() => startIdentityClient({ ...base, localName: 'Not A Name' }), (e: unknown) => e instanceof IdentityClientError && /"Not A Name"/.test(e.message));
      assert.throws(() => startIdentityClient({ ...base, tokenFile: '' }), IdentityClientError);
      assert.throws(() => startIdentityClient({ ...base, trustAnchorsPem: 'nothing' }), (e: unknown) => e instanceof TrustAnchorError && /identity trust anchors/.test(e.message));
      assert.throws(() => startIdentityClient({ ...base, refresh: { minMs: 10, maxMs: 1 } }), IdentityClientError);
      assert.throws(() => startIdentityClient({ ...base, addr: { host: '127.0.0.1', port: 0 } }), /port 0/);
    });

    it('checks a Certify answer before using it: name, key, chain and time', async () => {
      const name = identityOf('web', 'shop');
      const csr = await csrFor(name);
      const key = { keyPem: privateKeyPem(csr.keys), spki: KeyObject.from(csr.keys.publicKey).export({ type: 'spki', format: 'der' }) };
      h.api.addServiceAccountToken('token-check', 'shop', 'web', ['identity.l5d.io']);
      const answer = await h.certify({ identity: name, token: 'token-check', csr: csr.der });
      assert.ok(answer.ok);
      const chain = { leaf: answer.response.leaf_certificate, intermediates: answer.response.intermediate_certificates };
      const now = new Date();
      assert.equal(acceptCertified(chain, name, key, h.anchors, now).name, name);
      const refused = (run: () => unknown, pattern: RegExp): void => {
        assert.throws(run, (e: unknown) => e instanceof CertifyAnswerError && pattern.test(e.message));
      };
      refused(() => acceptCertified(chain, identityOf('api', 'shop'), key, h.anchors, now), /for "web\.shop\..*", not "api\.shop/);
      const other = await csrFor(name);
      refused(() => acceptCertified(chain, name, { ...key, spki: KeyObject.from(other.keys.publicKey).export({ type: 'spki', format: 'der' }) }, h.anchors, now), /another public key/);
      refused(() => acceptCertified({ ...chain, intermediates: [] }, name, key, h.anchors, now), /does not chain to the trust anchors/);
      refused(() => acceptCertified(chain, name, key, h.anchors, new Date(now.getTime() + 48 * 3600_000)), /expired/);
      refused(() => acceptCertified({ ...chain, leaf: Buffer.from('nope') }, name, key, h.anchors, now), /leaf certificate that does not parse/);
      refused(() => acceptCertified({ ...chain, leaf: Buffer.alloc(0) }, name, key, h.anchors, now), /empty leaf/);
    });

    it('over TLS, certifies only with an identity service that proves the expected name', async () => {
      const serviceName = 'linkerd-identity.linkerd.serviceaccount.identity.linkerd.cluster.local';
      const own = start(h, { account: 'linkerd-identity', tokenFile: tokenFile(h, 'linkerd-identity', 'token-li', 'linkerd'), localName: serviceName });
      const serviceIdentity = await nextIdentity(own);
      // The identity pod's proxy terminates TLS in front of the plaintext gRPC server.
      const relay = await startRelay(h.server.port, serverTlsOptions(serviceIdentity));
      try {
        // Plaintext into a TLS listener never works, so a success proves the channel was TLS.
        const good = start(h, { account: 'tls-good', addr: { host: 'localhost', port: relay.port }, serverName: serviceName });
        assert.equal((await nextIdentity(good)).name, identityOf('tls-good', 'shop'));
        const logged = capturedLog();
        const bad = start(h, {
          account: 'tls-bad', addr: { host: 'localhost', port: relay.port }, log: logged.log,
          serverName: 'linkerd-destination.linkerd.serviceaccount.identity.linkerd.cluster.local',
        });
        await sleep(500);
        assert.equal(bad.current(), undefined);
        assert.ok(logged.lines.some((line) => line.includes('PeerIdentityError: expected the peer identity')), logged.lines.join('\n'));
      } finally {
        await relay.down();
      }
    });

    it('speaks plaintext to a loopback address even when a name is given, as Linkerd does', async () => {
      const client = start(h, { account: 'loop', serverName: 'linkerd-identity.linkerd.serviceaccount.identity.linkerd.cluster.local' });
      assert.equal((await nextIdentity(client)).name, identityOf('loop', 'shop'));
    });
  });

  describe('with certificates that live a few seconds', () => {
    let h: IdentityHarness;
    before(async () => {
      h = await startIdentityHarness({ policy: { lifetimeMs: 4000, clockSkewMs: 0 } });
    });
    after(async () => h.close());

    it('renews at 70% of the time left, with the same key and the token file as it is then', async () => {
      const file = tokenFile(h, 'renew', 'token-renew-1');
      const client = start(h, { account: 'renew', tokenFile: file });
      const first = await nextIdentity(client);
      const receivedAt = Date.now();
      h.api.addServiceAccountToken('token-renew-2', 'shop', 'renew', ['identity.l5d.io']);
      fs.writeFileSync(file, 'token-renew-2');
      h.expireToken('token-renew-1');
      const second = await nextIdentity(client, first);
      const renewedAt = Date.now();
      assert.ok(renewedAt - receivedAt >= 0.7 * (first.notAfter.getTime() - receivedAt) - 50, 'not renewed before 70% of the lifetime left');
      assert.ok(renewedAt < first.notAfter.getTime(), 'renewed before the first certificate expired');
      assert.equal(second.keyPem, first.keyPem);
      assert.ok(second.notAfter.getTime() > first.notAfter.getTime());
      assert.notEqual(new X509Certificate(second.certChainPem).serialNumber, new X509Certificate(first.certChainPem).serialNumber);
    });

    it('keeps its certificate while the identity service is down, retries, fails closed at expiry and recovers', async () => {
      const relay = await startRelay(h.server.port);
      const logged = capturedLog();
      const client = start(h, { account: 'outage', addr: { host: '127.0.0.1', port: relay.port }, log: logged.log });
      const first = await nextIdentity(client);
      await relay.down();
      const seen: (LocalIdentity | undefined)[] = [];
      client.updates.subscribe((id) => seen.push(id));
      const expired = firstValueFrom(client.updates.pipe(filter((id) => id === undefined)));
      await sleep(Math.max(0, first.notAfter.getTime() - Date.now() - 300));
      assert.equal(client.current(), first, 'the certificate is kept while it is valid');
      assert.ok(logged.lines.filter((line) => /certify failed/.test(line)).length >= 2, 'retried more than once');
      await expired;
      assert.equal(client.current(), undefined);
      await relay.up();
      const recovered = await nextIdentity(client);
      assert.deepEqual(seen, [first, undefined, recovered]);
      await relay.down();
    });
  });

  it('computes the renewal delay as Linkerd does: 70% of the time left, within the bounds', () => {
    const bounds = { minMs: 10_000, maxMs: 24 * 3600_000 };
    assert.equal(refreshDelayMs(100_000, 0, bounds), 70_000);
    assert.equal(refreshDelayMs(1000, 0, bounds), 10_000);
    assert.equal(refreshDelayMs(10 * 24 * 3600_000, 0, bounds), 24 * 3600_000);
    assert.equal(refreshDelayMs(0, 5, bounds), 10_000);
  });
});
