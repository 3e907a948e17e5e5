/**
 * A Destination benchmark session: the server child (`destination-server-child.ts`, pinned with
 * taskset to the last CPU so the control plane gets one core, LMDB's writer thread included),
 * loaded and serving on 127.0.0.1, and the client child (`destination-subscribers-child.ts`,
 * pinned to CPU 0 when there is more than one), so the clients' CPU is never charged to the
 * server's core. Also opening a layout of Get streams and closing it again, bounded in time.
 * Measures nothing itself; `destination-propagation.ts` and `destination-rss.ts` do.
 */
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ChildChannel, startChild } from './child-channel.js';
import { type ChildReport, numberOf } from './child-process.js';

/** Streams per grpc-js client instance, i.e. per HTTP/2 connection. */
export const streamsPerChannel = 100;

export interface Layout {
  readonly streams: number;
  readonly services: number;
}

export interface DestinationSession {
  readonly server: ChildChannel;
  readonly clients: ChildChannel;
  readonly started: ChildReport;
  readonly port: number;
  readonly serverCpu: number;
  readonly clientCpu: number | undefined;
}

/** Starts the pinned server child (loaded, serving) and the client child; `end` stops both. */
export async function startSession(store: 'lmdb' | 'memory' = 'lmdb'): Promise<DestinationSession & { end(): Promise<void> }> {
  const cpus = os.availableParallelism();
  const serverCpu = cpus - 1;
  const clientCpu = cpus > 1 ? 0 : undefined;
  const server = startChild(new URL('./destination-server-child.js', import.meta.url).href, ['--store', store],
    { nodeFlags: ['--expose-gc'], pinCpu: serverCpu });
  const clients = startChild(new URL('./destination-subscribers-child.js', import.meta.url).href, [], { pinCpu: clientCpu });
  const end = async (): Promise<void> => { await Promise.all([clients.close(), server.close()]); };
  try {
    const started = await server.ask({ type: 'start' }, 120_000);
    return { server, clients, started, port: numberOf(started, 'port'), serverCpu, clientCpu, end };
  } catch (error) {
    await end();
    throw error;
  }
}

/** Opens the layout's streams and waits for every first message. */
export async function openLayout(session: DestinationSession, layout: Layout): Promise<ChildReport> {
  const opened = await session.clients.ask({
    type: 'open', port: session.port, streams: layout.streams, services: layout.services, perChannel: streamsPerChannel, timeoutMs: 60_000,
  }, 70_000);
  if (numberOf(opened, 'firstMessages') !== layout.streams) {
    throw new Error(`only ${numberOf(opened, 'firstMessages')} of ${layout.streams} streams got their first message within 60 s`);
  }
  return opened;
}

/** Closes the open streams and waits (bounded) until the server has released every subscription. */
export async function closeLayout(session: DestinationSession): Promise<void> {
  await session.clients.ask({ type: 'close' });
  const deadline = Date.now() + 10_000;
  while (numberOf(await session.server.ask({ type: 'cpu' }), 'subscribers') > 0) {
    if (Date.now() > deadline) throw new Error('the server still holds subscriptions 10 s after the clients cancelled');
    await sleep(50);
  }
}
