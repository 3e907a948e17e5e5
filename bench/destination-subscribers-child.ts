/**
 * The client side of the Destination benchmarks: a child process holding many Destination.Get
 * streams, as many proxies would, that records when each stream receives an update. It runs apart
 * from the server child so its CPU is not charged to the server's core.
 *
 * How: real grpc-js clients calling Destination/Get with the request encoded from the same .proto
 * files as `test/support/destination-client.ts`, but lighter: each Update is taken as the bytes of
 * one whole gRPC message and not decoded (its kind, add, remove or no_endpoints, is its first
 * byte, the tag of its oneof member), nothing is folded or kept. Per stream only the time on the
 * shared clock (`shared-clock.ts`) when the first message after `arm` arrived, and its kind, are
 * recorded. So the client child's own CPU, one core for every stream, delays the receipts as
 * little as grpc-js allows; a proxy decodes its updates on its own CPU. Streams are spread over
 * `streams / perChannel` client instances, each with its own subchannel pool and so its own HTTP/2
 * connection, so one connection's stream limits and flow control never serialize them all.
 *
 * Commands (`child-channel.ts`):
 * - `open {port, streams, services, perChannel}`: stream i asks for
 *   `svc-(i mod services).<ns>.svc.cluster.local:80`; answers once every stream has its first
 *   message (its snapshot), with how long that took.
 * - `arm`: forgets earlier receipts; every stream now waits for its next message.
 * - `collect {at, timeoutMs}`: waits (bounded) until every stream has received it; answers with
 *   the latencies from `at` (p50, p99, max), what arrived, and this process's CPU time and time
 *   waiting for a CPU since `arm`.
 * - `close`: cancels every stream and closes the clients.
 */
import { Client, type ClientReadableStream, credentials, type ServiceError } from '@grpc/grpc-js';
import type { ProtoGrpcType } from '../src/gen/proto/destination.js';
import { loadProtos } from '../src/streams/proto.js';
import type { ChildReport } from './child-process.js';
import { isEntryPoint } from './child-process.js';
import { numberField, serveCommands } from './child-channel.js';
import { benchCluster, namespaceOf, serviceName } from './cluster-objects.js';
import { runQueueWaitMs } from './run-queue-wait.js';
import { percentile, sharedClockMs } from './shared-clock.js';

/** An Update holds exactly one member of its oneof, so its first byte is that field's tag. */
const kindByTag = new Map([[0x0a, 1], [0x12, 2], [0x1a, 3]]); // add = 1, remove = 2, no_endpoints = 3

interface Streams {
  readonly clients: Client[];
  readonly calls: ClientReadableStream<Buffer>[];
  readonly first: Uint8Array;
  readonly receivedAt: Float64Array;
  readonly kinds: Uint8Array;
  firstSeen: number;
  armed: boolean;
  remaining: number;
  extra: number;
  errors: number;
  lastError: string;
  wake: () => void;
}

let open: Streams | undefined;
let armedCpu: NodeJS.CpuUsage | undefined;
let armedWaitMs = 0;

export function authorityOf(serviceIndex: number): string {
  return `${serviceName(serviceIndex)}.${namespaceOf(benchCluster, serviceIndex)}.svc.cluster.local:80`;
}

function openStreams(port: number, count: number, services: number, perChannel: number): Streams {
  const get = loadProtos<ProtoGrpcType>(['destination.proto']).io.linkerd.proxy.destination.Destination.service.Get;
  const channels = Math.ceil(count / perChannel);
  const clients = Array.from({ length: channels }, () => new Client(`127.0.0.1:${port}`, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));
  const streams: Streams = {
    clients, calls: [], first: new Uint8Array(count), receivedAt: new Float64Array(count).fill(Number.NaN), kinds: new Uint8Array(count),
    firstSeen: 0, armed: false, remaining: 0, extra: 0, errors: 0, lastError: '', wake: () => undefined,
  };
  for (let i = 0; i < count; i++) {
    const client = clients[Math.floor(i / perChannel)] as Client;
    const call = client.makeServerStreamRequest(get.path, get.requestSerialize, (bytes: Buffer) => bytes,
      { scheme: 'k8s', path: authorityOf(i % services), context_token: '' });
    call.on('data', (update: Buffer) => receive(streams, i, update));
    call.on('error', (error: ServiceError) => {
      if (error.code === 1) return; // CANCELLED: our own `close`
      streams.errors++;
      streams.lastError = error.message;
      streams.wake();
    });
    streams.calls.push(call);
  }
  return streams;
}

function receive(streams: Streams, i: number, update: Buffer): void {
  if (streams.first[i] === 0) {
    streams.first[i] = 1;
    if (++streams.firstSeen === streams.calls.length) streams.wake();
    return;
  }
  if (!streams.armed || !Number.isNaN(streams.receivedAt[i] as number)) {
    streams.extra++;
    return;
  }
  streams.receivedAt[i] = sharedClockMs();
  streams.kinds[i] = kindByTag.get(update[0] ?? 0) ?? 0;
  if (--streams.remaining === 0) streams.wake();
}

/** Resolves when `done()` holds, re-checked whenever a stream wakes us, or after `timeoutMs`. */
function until(streams: Streams, done: () => boolean, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(false), timeoutMs);
    function finish(result: boolean): void {
      clearTimeout(timer);
      streams.wake = () => undefined;
      resolve(result);
    }
    streams.wake = () => { if (done() || streams.errors > 0) finish(done()); };
    streams.wake();
  });
}

async function openCommand(command: Readonly<Record<string, unknown>>): Promise<ChildReport> {
  if (open !== undefined) throw new Error('streams already open; close them first');
  const count = numberField(command, 'streams');
  const start = sharedClockMs();
  const streams = open = openStreams(numberField(command, 'port'), count, numberField(command, 'services'), numberField(command, 'perChannel'));
  await until(streams, () => streams.firstSeen === count, numberField(command, 'timeoutMs'));
  if (streams.errors > 0) throw new Error(`${streams.errors} streams failed while opening: ${streams.lastError}`);
  return { openMs: sharedClockMs() - start, firstMessages: streams.firstSeen, channels: streams.clients.length };
}

function armCommand(): ChildReport {
  const streams = current();
  streams.receivedAt.fill(Number.NaN);
  streams.kinds.fill(0);
  streams.remaining = streams.calls.length;
  streams.armed = true;
  armedCpu = process.cpuUsage();
  armedWaitMs = runQueueWaitMs();
  return {};
}

async function collectCommand(command: Readonly<Record<string, unknown>>): Promise<ChildReport> {
  const streams = current();
  const at = numberField(command, 'at');
  const timeoutMs = numberField(command, 'timeoutMs');
  await until(streams, () => streams.remaining === 0, timeoutMs);
  streams.armed = false;
  const cpu = process.cpuUsage(armedCpu);
  const latencies: number[] = [];
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < streams.calls.length; i++) {
    const received = streams.receivedAt[i] as number;
    if (Number.isNaN(received)) continue;
    latencies.push(received - at);
    counts[streams.kinds[i] as number] = (counts[streams.kinds[i] as number] ?? 0) + 1;
  }
  latencies.sort((a, b) => a - b);
  const orTimeout = (value: number): number => (Number.isNaN(value) ? timeoutMs : value);
  return {
    received: latencies.length, missing: streams.calls.length - latencies.length, errors: streams.errors, extra: streams.extra,
    // JSON has no NaN: with nothing received, the latencies read as the timeout (and `missing` says so).
    p50: orTimeout(percentile(latencies, 50)), p99: orTimeout(percentile(latencies, 99)),
    max: latencies[latencies.length - 1] ?? timeoutMs, min: latencies[0] ?? timeoutMs,
    adds: counts[1] ?? 0, removes: counts[2] ?? 0, others: (counts[0] ?? 0) + (counts[3] ?? 0),
    clientCpuMs: (cpu.user + cpu.system) / 1000, clientWaitMs: runQueueWaitMs() - armedWaitMs,
  };
}

function closeCommand(): ChildReport {
  const streams = open;
  open = undefined;
  if (streams === undefined) return {};
  for (const call of streams.calls) call.cancel();
  for (const client of streams.clients) client.close();
  return { closed: streams.calls.length };
}

function current(): Streams {
  if (open === undefined) throw new Error('no streams are open');
  return open;
}

if (isEntryPoint(import.meta.url)) {
  serveCommands({ open: openCommand, arm: armCommand, collect: collectCommand, close: closeCommand, stop: closeCommand });
}
