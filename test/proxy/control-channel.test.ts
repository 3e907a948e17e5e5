import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Server, ServerCredentials, type ServiceError, status } from '@grpc/grpc-js';
import { filter, firstValueFrom } from 'rxjs';
import type { ProtoGrpcType } from '../../src/gen/proto/identity.js';
import type { IdentityHandlers } from '../../src/gen/proto/io/linkerd/proxy/identity/Identity.js';
import { silentLogger } from '../../src/observe/logger.js';
import { type ControlChannel, controlChannel, ControlChannelError, isLoopback } from '../../src/proxy/control-channel.js';
import { startIdentityClient } from '../../src/proxy/identity-client.js';
import type { LocalIdentity } from '../../src/proxy/local-identity.js';
import { loadProtos } from '../../src/streams/proto.js';
import { type IdentityHarness, startIdentityHarness } from '../identity/identity-harness.js';
import { tempDir } from '../support/engine-harness.js';

const proto = loadProtos<ProtoGrpcType>(['identity.proto']);
const destinationName = 'linkerd-destination.linkerd.serviceaccount.identity.linkerd.cluster.local';

async function issue(h: IdentityHarness, account: string, namespace: string): Promise<LocalIdentity> {
  const dir = tempDir('sinew-control-');
  const tokenFile = path.join(dir, 'token');
  h.api.addServiceAccountToken(`token-${account}`, namespace, account, ['identity.l5d.io']);
  fs.writeFileSync(tokenFile, `token-${account}`);
  const client = startIdentityClient({
    addr: { host: '127.0.0.1', port: h.server.port }, serverName: undefined, trustAnchorsPem: h.anchors.pem,
    localName: `${account}.${namespace}.serviceaccount.identity.linkerd.cluster.local`, tokenFile, log: silentLogger,
  });
  try {
    return await firstValueFrom(client.updates.pipe(filter((id): id is LocalIdentity => id !== undefined)));
  } finally {
    client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A gRPC server whose one method answers with what the server saw of its client: `ssl` and the
 * subjectAltName of a verified client certificate, else `none|`. A TLS server accepts TLS only and
 * a plaintext one plaintext only, so reaching one proves which the channel spoke.
 */
async function startProbeServer(serverCredentials: ServerCredentials): Promise<{ port: number; close(): void }> {
  const server = new Server();
  const handlers: IdentityHandlers = {
    Certify: (call, callback) => {
      const auth = call.getAuthContext();
      const saw = `${auth.transportSecurityType ?? 'none'}|${auth.sslPeerCertificate?.subjectaltname ?? ''}`;
      callback(null, { leaf_certificate: Buffer.from(saw), intermediate_certificates: [] });
    },
  };
  server.addService(proto.io.linkerd.proxy.identity.Identity.service, handlers);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', serverCredentials, (error, bound) => (error === null ? resolve(bound) : reject(error)));
  });
  return { port, close: () => server.forceShutdown() };
}

/** Calls the probe through a channel; answers what the server saw, or the error. */
function probe(channel: ControlChannel): Promise<string | ServiceError> {
  const client = new proto.io.linkerd.proxy.identity.Identity(channel.target, channel.credentials, channel.options);
  return new Promise((resolve) => {
    client.Certify({ identity: 'x', token: Buffer.from('x') }, { deadline: Date.now() + 5000 }, (error, response) => {
      client.close();
      resolve(error ?? Buffer.from(response?.leaf_certificate ?? []).toString());
    });
  });
}

function tlsServer(identity: LocalIdentity, requireClientCertificate: boolean): ServerCredentials {
  return ServerCredentials.createSsl(Buffer.from(identity.trustAnchorsPem),
    [{ private_key: Buffer.from(identity.keyPem), cert_chain: Buffer.from(identity.certChainPem) }], requireClientCertificate);
}

describe('control plane channels', function () {
  this.timeout(60_000);
  let h: IdentityHarness;
  let destination: LocalIdentity;
  let web: LocalIdentity;
  const servers: { close(): void }[] = [];

  before(async () => {
    h = await startIdentityHarness();
    destination = await issue(h, 'linkerd-destination', 'linkerd');
    web = await issue(h, 'web', 'shop');
  });
  after(async () => {
    for (const server of servers) server.close();
    await h.close();
  });

  async function server(credentials: ServerCredentials): Promise<number> {
    const started = await startProbeServer(credentials);
    servers.push(started);
    return started.port;
  }

  it('reaches a TLS server that proves the name, presenting the proxy\'s certificate', async () => {
    const port = await server(tlsServer(destination, true));
    const channel = controlChannel({ host: 'localhost', port }, destinationName, web);
    assert.equal(channel.tls, true);
    assert.equal(await probe(channel), `ssl|DNS:${web.name}`);
  });

  it('fails against a TLS server that proves another name', async () => {
    const port = await server(tlsServer(web, false));
    const answer = await probe(controlChannel({ host: 'localhost', port }, destinationName, web));
    assert.ok(typeof answer !== 'string', `expected an error, got ${String(answer)}`);
    assert.equal(answer.code, status.UNAVAILABLE);
    assert.match(answer.details, /expected the peer identity "linkerd-destination\..*", but the peer presented a certificate for "web\.shop\./);
  });

  it('before the proxy holds an identity, authenticates the server alone, with the trust anchors', async () => {
    const open = await server(tlsServer(destination, false));
    assert.equal(await probe(controlChannel({ host: 'localhost', port: open }, destinationName, undefined, h.anchors.pem)), 'none|');
    const mutual = await server(tlsServer(destination, true));
    const refused = await probe(controlChannel({ host: 'localhost', port: mutual }, destinationName, undefined, h.anchors.pem));
    assert.ok(typeof refused !== 'string', 'a server that requires a client certificate refuses a channel without one');
  });

  it('speaks plaintext without a name, and to a loopback address whatever the name', async () => {
    const port = await server(ServerCredentials.createInsecure());
    for (const channel of [controlChannel({ host: '127.0.0.1', port }, undefined, web), controlChannel({ host: '127.0.0.1', port }, destinationName, web)]) {
      assert.equal(channel.tls, false);
      assert.equal(await probe(channel), 'none|');
    }
  });

  it('never downgrades a TLS channel: a plaintext server is not reached through it', async () => {
    const port = await server(ServerCredentials.createInsecure());
    const answer = await probe(controlChannel({ host: 'localhost', port }, destinationName, web));
    assert.ok(typeof answer !== 'string' && answer.code === status.UNAVAILABLE);
  });

  it('refuses settings it cannot honour, naming them', () => {
    const refused = (run: () => unknown, pattern: RegExp): void => {
      assert.throws(run, (e: unknown) => e instanceof ControlChannelError && pattern.test(e.message));
    };
    refused(() => controlChannel({ host: 'linkerd-dst.linkerd.svc', port: 8086 }, destinationName, undefined), /no identity and no trust anchors/);
    refused(() => controlChannel({ host: 'linkerd-dst.linkerd.svc', port: 70000 }, destinationName, web), /port 70000/);
    refused(() => controlChannel({ host: '', port: 8086 }, destinationName, web), /host is empty/);
    refused(() => controlChannel({ host: 'linkerd-dst.linkerd.svc', port: 8086 }, 'Not A Name!', web), /"Not A Name!" is not a DNS name/);
  });

  it('writes targets grpc-js can dial, with brackets around IPv6 hosts', () => {
    assert.equal(controlChannel({ host: '10.0.0.1', port: 8086 }, undefined, undefined).target, '10.0.0.1:8086');
    assert.equal(controlChannel({ host: 'fd00::1', port: 8086 }, undefined, undefined).target, '[fd00::1]:8086');
    assert.equal(controlChannel({ host: 'linkerd-dst-headless.linkerd.svc.cluster.local.', port: 8086 }, destinationName, web).options['grpc.ssl_target_name_override'], destinationName);
  });

  it('counts as loopback what Linkerd does: 127.0.0.0/8, ::1 and the absolute name localhost.', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1', 'localhost.', 'LocalHost.']) assert.equal(isLoopback(host), true, host);
    for (const host of ['localhost', 'mlocalhost.', 'localhost1.', '10.0.0.1', '128.0.0.1', '::2', 'fe80::1', 'linkerd-dst.linkerd.svc']) {
      assert.equal(isLoopback(host), false, host);
    }
  });
});
