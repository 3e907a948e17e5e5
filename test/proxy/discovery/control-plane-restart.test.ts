/**
 * watchDestination across a control-plane restart, end to end: `sinew control-plane` replaying one
 * event log, stopped, then started on the same port replaying a different log. While it is down
 * the last set stands; the restarted plane's first answer replaces the set entirely.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { credentials, status } from '@grpc/grpc-js';
import { discoveryClients, type DiscoveryClients } from '../../../src/proxy/discovery/discovery-clients.js';
import { watchDestination } from '../../../src/proxy/discovery/destination-watch.js';
import type { EndpointSet } from '../../../src/proxy/discovery/endpoint-set.js';
import { startControlPlane, type ControlPlaneProcess } from '../../support/control-plane-process.js';
import { eventually } from '../../support/destination-client.js';
import { tempDir } from '../../support/engine-harness.js';
import { endpointSlice, namespace, pod, service } from '../../support/objects.js';
import { CountingMetrics, fastSettings, quickChannel, Recorder } from './recorder.js';

const web = 'web.shop.svc.cluster.local:80';

/** An event log of a shop namespace whose web Service has the pods 10.0.0.N for each N. */
function writeLog(file: string, podNumbers: readonly number[]): string {
  const objects = [
    namespace('shop'),
    service('shop', 'web', [{ name: 'http', port: 80, targetPort: 8080 }], '10.96.0.10'),
    ...podNumbers.map((n) => pod('shop', `web-${n}`, { ip: `10.0.0.${n}`, labels: { app: 'web' } })),
    endpointSlice('shop', 'web-a', 'web', podNumbers.map((n) => ({ ip: `10.0.0.${n}`, pod: `web-${n}` })), [{ name: 'http', port: 8080 }]),
  ];
  const lines = objects.map((object, i) => {
    const metadata = object.metadata as Record<string, unknown>;
    Object.assign(metadata, { resourceVersion: String(100 + i), uid: `uid-${i}` });
    return JSON.stringify({ at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), type: 'ADDED', object });
  });
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function keys(set: EndpointSet | undefined): string[] {
  return [...(set?.endpoints.keys() ?? [])].sort();
}

describe('watchDestination across a control-plane restart', function () {
  this.timeout(60_000);
  let plane: ControlPlaneProcess | undefined;
  let clients: DiscoveryClients | undefined;
  let recorder: Recorder<EndpointSet> | undefined;

  after(async () => {
    recorder?.unsubscribe();
    clients?.close();
    await plane?.stop();
  });

  it('keeps the last set while the control plane is down, then takes the restarted plane\'s set whole', async () => {
    const dir = tempDir('discovery-restart');
    const before = writeLog(path.join(dir, 'before.events.jsonl'), [1, 2, 3]);
    const afterRestart = writeLog(path.join(dir, 'after.events.jsonl'), [3, 9]);
    plane = await startControlPlane(['--source', `replay:${before}`]);
    const port = plane.destinationPort;
    const channel = { target: `127.0.0.1:${port}`, credentials: credentials.createInsecure(), options: quickChannel };
    clients = discoveryClients(channel, channel);
    const metrics = new CountingMetrics();
    recorder = new Recorder(watchDestination(clients.destination, web, '', fastSettings(metrics)));
    const watched = recorder;
    await eventually(() => (keys(watched.latest()).length === 3 ? undefined : `have ${keys(watched.latest()).join(',')}`));

    await plane.stop();
    plane = undefined;
    const failures = (): number => metrics.responses.filter((response) => response.code === status.UNAVAILABLE).length;
    await eventually(() => (failures() >= 3 ? undefined : `${failures()} failed reconnects`));
    assert.deepEqual(keys(watched.latest()), ['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.3:8080'], 'the last set stands during the outage');
    const emitted = watched.values.length;

    plane = await startControlPlane(['--source', `replay:${afterRestart}`, '--destination-addr', `127.0.0.1:${port}`]);
    await eventually(() => (watched.values.length > emitted ? undefined : 'nothing from the restarted plane'));
    assert.deepEqual(watched.values.slice(emitted).map(keys), [['10.0.0.3:8080', '10.0.0.9:8080']],
      'one emission: the new plane\'s set, without the endpoints only the old one knew');
    assert.ok(watched.values.every((set) => set.endpoints.size > 0), 'no emission ever dropped every endpoint');
    assert.equal(watched.error, undefined);
  });
});
