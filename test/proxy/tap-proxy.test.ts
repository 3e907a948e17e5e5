/**
 * The proxy's tap API end to end: real `sinew proxy` processes with LINKERD2_PROXY_TAP_SVC_NAME,
 * certificates from the real identity service, and the tap server's client (viz/tap/proxy-tap-client.ts).
 */
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { credentials, type ClientReadableStream, type ServiceError, status } from '@grpc/grpc-js';
import type { ObserveRequest } from '../../src/gen/proto/io/linkerd/proxy/tap/ObserveRequest.js';
import type { ProtoGrpcType } from '../../src/gen/proto/tap.js';
import type { TapEvent__Output } from '../../src/gen/proto/io/linkerd/proxy/tap/TapEvent.js';
import type { LocalIdentity } from '../../src/proxy/local-identity.js';
import { expectIdentity } from '../../src/proxy/peer-identity.js';
import { loadProtos } from '../../src/streams/proto.js';
import { fromIpAddress } from '../../src/streams/destination/ip-address.js';
import { proxyTapClient } from '../../src/viz/tap/proxy-tap-client.js';
import { http1Get } from '../support/mesh-apps.js';
import { curlPodIp, curlPortFor, identityOf, webPodIp } from '../support/mesh-world.js';
import { startTapWorld, tapPort, type TapWorld, vizNamespace } from '../support/tap-world.js';

function collect(call: ClientReadableStream<TapEvent__Output>): Promise<{ events: TapEvent__Output[]; error: ServiceError | undefined }> {
  const events: TapEvent__Output[] = [];
  return new Promise((resolve) => {
    call.on('data', (event: TapEvent__Output) => events.push(event));
    call.once('end', () => resolve({ events, error: undefined }));
    call.once('error', (error: ServiceError) => resolve({ events, error }));
  });
}

const pathPrefix = (prefix: string): NonNullable<ObserveRequest['match']> => ({ http: { path: { prefix } } });

/** Sends requests until the call has ended (the proxy needs a moment to register the tap). */
async function driveUntilDone<T>(done: Promise<T>, send: () => Promise<unknown>): Promise<T> {
  let finished = false;
  void done.then(() => { finished = true; });
  for (let i = 0; i < 200 && !finished; i += 1) {
    await send();
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return done;
}

describe('the proxy\'s tap API', function () {
  this.timeout(120_000);
  let tap: TapWorld | undefined;
  let tapCert: LocalIdentity;
  const webIdentity = identityOf('web');

  before(async () => {
    tap = await startTapWorld([1]);
    tapCert = await tap.certify(vizNamespace, 'tap');
  });
  after(async () => tap?.close());

  it('streams inbound request, response and end events for the requests its filter matches, then ends at the limit', async () => {
    const client = proxyTapClient({ host: webPodIp(1), port: tapPort }, webIdentity, tapCert);
    try {
      const call = client.observe({ limit: 2, match: pathPrefix('/tapped/') });
      let n = 0;
      const { events, error } = await driveUntilDone(collect(call), async () => {
        n += 1;
        await http1Get(curlPodIp, curlPortFor(80), '/other');
        await http1Get(curlPodIp, curlPortFor(80), `/tapped/${n}?q=1`);
      });
      assert.equal(error, undefined);
      assert.equal(events.length, 6, 'three events for each of the two requests');
      const kinds = events.map((event) => event.http?.event);
      assert.deepEqual(kinds.filter((kind) => kind === 'request_init').length, 2);
      for (const event of events) {
        assert.equal(event.proxy_direction, 'INBOUND');
        assert.equal(event.source_meta?.labels.tls, 'true');
        assert.equal(event.source_meta?.labels.client_id, identityOf('curl'));
        assert.equal(fromIpAddress(event.destination?.ip), webPodIp(1));
        assert.equal(event.destination?.port, 8080);
      }
      const inits = events.flatMap((event) => (event.http?.request_init == null ? [] : [event.http.request_init]));
      for (const init of inits) {
        assert.match(init.path, /^\/tapped\/\d+$/, 'the path without its query');
        assert.equal(init.method?.registered, 'GET');
        assert.equal(init.authority, 'web.shop.svc.cluster.local', 'as the outbound proxy sent it');
      }
      const ends = events.flatMap((event) => (event.http?.response_end == null ? [] : [event.http.response_end]));
      const rsps = events.flatMap((event) => (event.http?.response_init == null ? [] : [event.http.response_init]));
      assert.deepEqual(rsps.map((rsp) => rsp.http_status), [200, 200]);
      // The web app answers `web-1 <client id> GET <url>`.
      for (const [index, end] of ends.entries()) {
        const id = Number(end.id?.stream);
        const path = inits.find((init) => Number(init.id?.stream) === id)?.path ?? '';
        assert.equal(Number(end.response_bytes), `web-1 ${identityOf('curl')} GET ${path}?q=1`.length, `response length of request ${index}`);
      }
      assert.deepEqual(new Set(inits.map((init) => Number(init.id?.stream))), new Set([0, 1]));
    } finally {
      client.close();
    }
  });

  it('streams outbound events with the endpoint\'s address, its discovery labels and the identity it proved', async () => {
    const client = proxyTapClient({ host: curlPodIp, port: tapPort }, identityOf('curl'), tapCert);
    try {
      const call = client.observe({ limit: 1, match: { all: { matches: [pathPrefix('/out'), { http: { method: { registered: 'GET' } } }] } } });
      const { events, error } = await driveUntilDone(collect(call), () => http1Get(curlPodIp, curlPortFor(80), '/out/1'));
      assert.equal(error, undefined);
      assert.deepEqual(events.map((event) => event.http?.event), ['request_init', 'response_init', 'response_end']);
      const first = events[0] as TapEvent__Output;
      assert.equal(first.proxy_direction, 'OUTBOUND');
      assert.equal(fromIpAddress(first.destination?.ip), webPodIp(1));
      assert.equal(first.destination?.port, 8080);
      assert.equal(first.destination_meta?.labels.tls, 'true');
      assert.equal(first.destination_meta?.labels.server_id, webIdentity);
      assert.equal(first.destination_meta?.labels.pod, 'web-1');
      assert.equal(first.source_meta?.labels.tls, 'loopback');
      assert.equal(fromIpAddress(first.source?.ip), '127.0.0.1', 'the test, which plays the application, connects from 127.0.0.1');
    } finally {
      client.close();
    }
  });

  it('refuses a client whose certificate names another identity with PERMISSION_DENIED', async () => {
    const intruder = await (tap as TapWorld).certify('shop', 'web');
    const client = proxyTapClient({ host: webPodIp(1), port: tapPort }, webIdentity, intruder);
    try {
      const { events, error } = await collect(client.observe({ limit: 1, match: pathPrefix('/') }));
      assert.equal(events.length, 0);
      assert.equal(error?.code, status.PERMISSION_DENIED);
      assert.match(error?.details ?? '', /web\.shop\.serviceaccount/);
    } finally {
      client.close();
    }
  });

  it('refuses a client without a certificate with PERMISSION_DENIED', async () => {
    const proto = loadProtos<ProtoGrpcType>(['tap.proto']);
    const anchorsOnly = tls.createSecureContext({ ca: (tap as TapWorld).world.trustAnchorsPem, minVersion: 'TLSv1.3' });
    const client = new proto.io.linkerd.proxy.tap.Tap(`${webPodIp(1)}:${tapPort}`,
      credentials.createFromSecureContext(anchorsOnly, { checkServerIdentity: expectIdentity(webIdentity) }), { 'grpc.ssl_target_name_override': webIdentity });
    try {
      const { error } = await collect(client.Observe({ limit: 1, match: pathPrefix('/') }));
      assert.equal(error?.code, status.PERMISSION_DENIED);
      assert.match(error?.details ?? '', /without a certificate/);
    } finally {
      client.close();
    }
  });

  it('answers INVALID_ARGUMENT naming the field for a filter it cannot use, and for a limit of 0', async () => {
    const client = proxyTapClient({ host: webPodIp(1), port: tapPort }, webIdentity, tapCert);
    try {
      const bad = await collect(client.observe({ limit: 1, match: { all: { matches: [pathPrefix('/'), { http: { method: {} } }] } } }));
      assert.equal(bad.error?.code, status.INVALID_ARGUMENT);
      assert.match(bad.error?.details ?? '', /match\.all\[1\]\.http\.method/);
      const zero = await collect(client.observe({ limit: 0, match: pathPrefix('/') }));
      assert.equal(zero.error?.code, status.INVALID_ARGUMENT);
      assert.match(zero.error?.details ?? '', /limit/);
    } finally {
      client.close();
    }
  });
});
