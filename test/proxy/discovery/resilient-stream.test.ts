/**
 * The resilient stream against a real grpc-js server whose Destination.Get does what each test
 * scripts (answer and hold, fail with a status, stay silent), and against a port where nothing
 * listens.
 */
import assert from 'node:assert/strict';
import { credentials, Server, ServerCredentials, type ServerWritableStream, status } from '@grpc/grpc-js';
import type { ProtoGrpcType } from '../../../src/gen/proto/destination.js';
import type { DestinationClient } from '../../../src/gen/proto/io/linkerd/proxy/destination/Destination.js';
import type { GetDestination__Output } from '../../../src/gen/proto/io/linkerd/proxy/destination/GetDestination.js';
import type { Update, Update__Output } from '../../../src/gen/proto/io/linkerd/proxy/destination/Update.js';
import { ControlStreamError, DiscoveryRejectedError, DiscoveryTargetError } from '../../../src/proxy/discovery/discovery-errors.js';
import { resilientStream, type StreamEvent, type StreamSettings } from '../../../src/proxy/discovery/resilient-stream.js';
import { loadProtos } from '../../../src/streams/proto.js';
import { eventually } from '../../support/destination-client.js';
import { CountingMetrics, fastSettings, freePort, quickChannel, Recorder, sleep } from './recorder.js';

type Call = ServerWritableStream<GetDestination__Output, Update>;
type Script = (call: Call) => void;

const proto = loadProtos<ProtoGrpcType>(['destination.proto']).io.linkerd.proxy.destination;
const noEndpoints: Update = { no_endpoints: { exists: true } };

class ScriptedServer {
  readonly calls: Call[] = [];
  readonly cancelled: Call[] = [];
  script: Script = (call) => call.write(noEndpoints);
  private readonly server = new Server();

  constructor() {
    this.server.addService(proto.Destination.service, {
      Get: (call: Call) => {
        this.calls.push(call);
        call.on('cancelled', () => this.cancelled.push(call));
        this.script(call);
      },
      GetProfile: (call: Call) => call.end(),
    });
  }

  async listen(port: number): Promise<void> {
    await new Promise<number>((resolve, reject) => this.server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(),
      (error, bound) => (error === null ? resolve(bound) : reject(error))));
  }

  stop(): void {
    this.server.forceShutdown();
  }
}

function fail(code: status): Script {
  return (call) => call.emit('error', { code, details: `scripted ${status[code]}` });
}

describe('resilientStream', function () {
  this.timeout(20_000);
  let port: number;
  let server: ScriptedServer | undefined;
  let client: DestinationClient;
  const recorders: Recorder<unknown>[] = [];

  beforeEach(async () => {
    port = await freePort();
    client = new proto.Destination(`127.0.0.1:${port}`, credentials.createInsecure(), quickChannel);
  });

  afterEach(() => {
    for (const recorder of recorders.splice(0)) recorder.unsubscribe();
    client.close();
    server?.stop();
    server = undefined;
  });

  async function serve(script?: Script): Promise<ScriptedServer> {
    server = new ScriptedServer();
    if (script !== undefined) server.script = script;
    await server.listen(port);
    return server;
  }

  function watch(settings: StreamSettings): Recorder<StreamEvent<Update__Output>> {
    const recorder = new Recorder(resilientStream(() => client.Get({ path: 'web.shop.svc.cluster.local:80' }), { ...settings, rpc: 'Destination.Get', target: 'web' }));
    recorders.push(recorder);
    return recorder;
  }

  const delays = (recorder: Recorder<StreamEvent<Update__Output>>): number[] =>
    recorder.values.flatMap((event) => (event.kind === 'disconnected' ? [event.retryInMs] : []));

  it('waits longer after each failure to reach a missing control plane, doubling up to the maximum', async () => {
    const metrics = new CountingMetrics();
    const recorder = watch(fastSettings(metrics));
    await eventually(() => (delays(recorder).length >= 6 ? undefined : `${delays(recorder).length} failures`));
    assert.deepEqual(delays(recorder).slice(0, 6), [20, 40, 80, 160, 160, 160]);
    const [event] = recorder.values;
    assert.ok(event?.kind === 'disconnected' && event.error instanceof ControlStreamError);
    assert.equal(event.error.code, status.UNAVAILABLE);
    assert.ok(metrics.responses.every((response) => response.code === status.UNAVAILABLE && response.rpc === 'Destination.Get'));
    assert.ok(metrics.reconnects >= 5);
  });

  it('starts the backoff over after a healthy stream, but not after one that fails as soon as it answers', async () => {
    const recorder = watch(fastSettings(new CountingMetrics()));
    await eventually(() => (delays(recorder).length >= 3 ? undefined : 'not failing yet'));
    const scripted = await serve((call) => {
      call.write(noEndpoints);
      call.emit('error', { code: status.UNAVAILABLE, details: 'answered, then failed' });
    });
    await eventually(() => (recorder.values.some((event) => event.kind === 'message') && delays(recorder).length >= 6 ? undefined : 'not connected'));
    assert.ok(delays(recorder).slice(3).every((delay) => delay === 160), `delays ${delays(recorder).join(',')}`);
    scripted.script = (call) => call.write(noEndpoints);
    const healthyCalls = scripted.calls.length + 1;
    await eventually(() => (scripted.calls.length >= healthyCalls ? undefined : 'no healthy call'));
    await sleep(150);
    const before = delays(recorder).length;
    scripted.calls[scripted.calls.length - 1]?.emit('error', { code: status.UNAVAILABLE, details: 'after a healthy while' });
    await eventually(() => (delays(recorder).length > before ? undefined : 'no failure reported'));
    assert.equal(delays(recorder)[before], 20);
  });

  it('marks the first message of each call, so a consumer knows when to reset', async () => {
    const scripted = await serve((call) => {
      call.write(noEndpoints);
      call.write({ add: { addrs: [] } });
    });
    const recorder = watch(fastSettings(new CountingMetrics()));
    await eventually(() => (recorder.values.length === 2 ? undefined : 'no messages'));
    scripted.calls[0]?.emit('error', { code: status.RESOURCE_EXHAUSTED, details: 'fell behind' });
    await eventually(() => (recorder.values.length === 5 ? undefined : `${recorder.values.length} events`));
    assert.deepEqual(recorder.values.map((event) => (event.kind === 'message' ? `message first=${event.first}` : `disconnected ${status[event.error.code]}`)),
      ['message first=true', 'message first=false', 'disconnected RESOURCE_EXHAUSTED', 'message first=true', 'message first=false']);
  });

  for (const code of [status.INVALID_ARGUMENT, status.FAILED_PRECONDITION]) {
    it(`ends for good on ${status[code]}: the Observable errors and no call is opened again`, async () => {
      await serve(fail(code));
      const metrics = new CountingMetrics();
      const recorder = watch(fastSettings(metrics));
      await eventually(() => (recorder.error !== undefined ? undefined : 'no error'));
      assert.ok(recorder.error instanceof DiscoveryRejectedError);
      assert.equal(recorder.error.code, code);
      assert.match(recorder.error.message, /Destination\.Get web was refused/);
      await sleep(100);
      assert.equal(metrics.requests, 1);
      assert.deepEqual(metrics.responses.map((response) => response.code), [code]);
    });
  }

  for (const code of [status.NOT_FOUND, status.INTERNAL, status.RESOURCE_EXHAUSTED, status.OK]) {
    it(`retries a call that ends with ${status[code]}`, async () => {
      const scripted = await serve(code === status.OK ? (call) => call.end() : fail(code));
      const recorder = watch(fastSettings(new CountingMetrics()));
      await eventually(() => (scripted.calls.length >= 3 ? undefined : `${scripted.calls.length} calls`));
      assert.equal(recorder.error, undefined);
      assert.ok(recorder.values.every((event) => event.kind === 'disconnected' && event.error.code === code));
    });
  }

  it('ends with DiscoveryTargetError when the client was closed, instead of retrying forever', () => {
    const closed = new proto.Destination(`127.0.0.1:${port}`, credentials.createInsecure());
    closed.close();
    const metrics = new CountingMetrics();
    const recorder = new Recorder(resilientStream(() => closed.Get({ path: 'web' }), { ...fastSettings(metrics), rpc: 'Destination.Get', target: 'web' }));
    assert.ok(recorder.error instanceof DiscoveryTargetError);
    assert.match(recorder.error.message, /Destination\.Get web: cannot open a call/);
    assert.equal(metrics.requests, 0);
  });

  it('cancels the call when unsubscribed: the server sees it end, and nothing is reopened', async () => {
    const scripted = await serve();
    const metrics = new CountingMetrics();
    const recorder = watch(fastSettings(metrics));
    await eventually(() => (recorder.values.length === 1 ? undefined : 'no message'));
    recorder.unsubscribe();
    await eventually(() => (scripted.cancelled.length === 1 ? undefined : 'the server did not see a cancel'));
    await sleep(100);
    assert.equal(scripted.calls.length, 1);
    assert.equal(metrics.requests, 1);
  });

  it('stops retrying when unsubscribed while waiting to reconnect', async () => {
    const metrics = new CountingMetrics();
    const recorder = watch(fastSettings(metrics, { backoff: { initialMs: 200, maxMs: 200, factor: 2, jitter: 0 } }));
    await eventually(() => (delays(recorder).length === 1 ? undefined : 'no failure'));
    recorder.unsubscribe();
    await sleep(300);
    assert.equal(metrics.requests, 1);
  });

  it('recycles a call at the end of its lifetime without reporting a disconnection', async () => {
    const scripted = await serve();
    const metrics = new CountingMetrics();
    const recorder = watch(fastSettings(metrics, { limits: { lifetimeMs: 60 } }));
    await eventually(() => (scripted.calls.length >= 4 ? undefined : `${scripted.calls.length} calls`));
    await eventually(() => (scripted.cancelled.length >= 3 ? undefined : 'old calls not cancelled'));
    assert.ok(recorder.values.every((event) => event.kind === 'message' && event.first));
    assert.ok(metrics.reconnects >= 3);
    assert.deepEqual(metrics.responses, []);
  });

  it('recycles a call that has been idle too long', async () => {
    const scripted = await serve();
    const recorder = watch(fastSettings(new CountingMetrics(), { limits: { idleTimeoutMs: 60 } }));
    await eventually(() => (scripted.calls.length >= 3 ? undefined : `${scripted.calls.length} calls`));
    assert.ok(recorder.values.every((event) => event.kind === 'message' && event.first));
  });

  it('fails a call that sends nothing within the initial timeout, cancels it and backs off', async () => {
    const scripted = await serve(() => undefined);
    const recorder = watch(fastSettings(new CountingMetrics(), { limits: { initialTimeoutMs: 50 } }));
    await eventually(() => (delays(recorder).length >= 2 ? undefined : 'no timeouts'));
    assert.deepEqual(recorder.values.slice(0, 2).map((event) => event.kind === 'disconnected' && [event.error.code, event.retryInMs]),
      [[status.DEADLINE_EXCEEDED, 20], [status.DEADLINE_EXCEEDED, 40]]);
    await eventually(() => (scripted.cancelled.length >= 2 ? undefined : 'silent calls were not cancelled'));
  });
});
