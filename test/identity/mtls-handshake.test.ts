import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { toPem } from '../../src/identity/pem.js';
import { type CertifyAnswer, type IdentityHarness, startIdentityHarness } from './identity-harness.js';
import { csrFor, identityOf, privateKeyPem, rootCa } from './pki-fixtures.js';

interface Workload {
  readonly identity: string;
  readonly key: string;
  /** The leaf, then the intermediates: what a TLS peer presents. */
  readonly certChain: string;
}

function chainOf(answer: CertifyAnswer): string {
  if (!answer.ok) assert.fail(`Certify refused: ${answer.error.details}`);
  return [answer.response.leaf_certificate, ...answer.response.intermediate_certificates].map((der) => toPem('CERTIFICATE', der)).join('');
}

async function workload(h: IdentityHarness, serviceAccount: string): Promise<Workload> {
  const identity = identityOf(serviceAccount, 'shop');
  h.api.addServiceAccountToken(`token-${serviceAccount}`, 'shop', serviceAccount, ['identity.l5d.io']);
  const csr = await csrFor(identity);
  const answer = await h.certify({ identity, token: `token-${serviceAccount}`, csr: csr.der });
  return { identity, key: privateKeyPem(csr.keys), certChain: chainOf(answer) };
}

interface Handshake {
  readonly protocol: string | null;
  readonly serverSaw: { authorized: boolean; peer: string | undefined };
  readonly clientSaw: { authorized: boolean; peer: string | undefined };
  readonly echoed: string;
}

/** A TLS 1.3 server for `server`, and a client for `client` that trusts `clientAnchors`. */
async function handshake(server: Workload, client: Workload, anchors: string, clientAnchors = anchors): Promise<Handshake> {
  let serverSaw: Handshake['serverSaw'] | undefined;
  const listener = tls.createServer({
    key: server.key, cert: server.certChain, ca: anchors, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3',
  }, (socket) => {
    serverSaw = { authorized: socket.authorized, peer: socket.getPeerCertificate().subjectaltname };
    socket.pipe(socket);
  });
  listener.on('tlsClientError', () => undefined);
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  try {
    const socket = tls.connect({
      host: '127.0.0.1', port: (listener.address() as AddressInfo).port, servername: server.identity,
      key: client.key, cert: client.certChain, ca: clientAnchors, minVersion: 'TLSv1.3',
    });
    await once(socket, 'secureConnect');
    const clientSaw = { authorized: socket.authorized, peer: socket.getPeerCertificate().subjectaltname };
    socket.write('ping');
    const [data] = await once(socket, 'data') as [Buffer];
    const protocol = socket.getProtocol();
    socket.end();
    assert.ok(serverSaw !== undefined, 'the server saw the connection');
    return { protocol, serverSaw, clientSaw, echoed: data.toString() };
  } finally {
    listener.close();
  }
}

describe('mTLS between two issued workload certificates', function () {
  this.timeout(60_000);
  let h: IdentityHarness;
  let web: Workload;
  let api: Workload;

  before(async () => {
    h = await startIdentityHarness();
    web = await workload(h, 'web');
    api = await workload(h, 'api');
  });
  after(async () => h.close());

  it('completes a TLS 1.3 handshake in which each side verifies the other against the trust anchor', async () => {
    const result = await handshake(api, web, h.anchors.pem);
    assert.equal(result.protocol, 'TLSv1.3');
    assert.deepEqual(result.clientSaw, { authorized: true, peer: `DNS:${api.identity}` });
    assert.deepEqual(result.serverSaw, { authorized: true, peer: `DNS:${web.identity}` });
    assert.equal(result.echoed, 'ping');
  });

  it('fails when the client trusts another anchor', async () => {
    const stranger = await rootCa({ name: 'root.elsewhere.cluster.local' });
    await assert.rejects(handshake(api, web, h.anchors.pem, stranger.pem), /unable to get local issuer certificate|certificate/);
  });

  it('fails when the client asks for another identity than the server holds', async () => {
    await assert.rejects(handshake({ ...api, identity: identityOf('db', 'shop') }, web, h.anchors.pem), /altnames|Hostname/i);
  });
});
