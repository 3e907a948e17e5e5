import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { allKinds } from '../../src/informers/kinds/index.js';
import { silentLogger } from '../../src/observe/logger.js';
import { defaultMeshConfig } from '../../src/reconcilers/mesh-config.js';
import { destinationService } from '../../src/streams/destination/destination-server.js';
import { type RunningGrpcServer, startGrpcServer } from '../../src/streams/grpc-server.js';
import { sinewBin } from '../support/control-plane-process.js';
import { eventually } from '../support/destination-client.js';
import { startEngine, type RunningEngine } from '../support/engine-harness.js';
import { FakeApiServer } from '../support/fake-api-server.js';
import { endpointSlice, pod, service } from '../support/objects.js';

const run = promisify(execFile);

describe('sinew diagnostics endpoints', function () {
  this.timeout(30_000);
  let api: FakeApiServer;
  let running: RunningEngine;
  let grpc: RunningGrpcServer;

  before(async () => {
    api = await FakeApiServer.start({ bookmarkIntervalMs: 50 });
    for (const spec of allKinds) api.addResource(spec);
    api.create('services', service('shop', 'web', [{ name: 'http', port: 80, targetPort: 8080 }]));
    for (let i = 1; i <= 2; i++) api.create('pods', pod('shop', `web-${i}`, { ip: `10.0.0.${i}` }));
    api.create('endpointslices.discovery.k8s.io', endpointSlice('shop', 'web-a', 'web',
      [1, 2].map((i) => ({ ip: `10.0.0.${i}`, pod: `web-${i}` })), [{ name: 'http', port: 8080 }]));
    running = await startEngine(api, { kinds: allKinds });
    grpc = await startGrpcServer('127.0.0.1', 0, [destinationService({
      hub: running.engine.hub, view: running.engine.store.view, config: defaultMeshConfig, log: silentLogger, registry: running.metrics.registry,
    })]);
    await eventually(() => (running.engine.store.getView('endpoints/shop/web:80')?.items.length === 2 ? undefined : 'not synced'));
  });

  after(async () => {
    await grpc.close();
    await running.stop();
    await api.close();
  });

  it('prints the endpoints a proxy would get, as a table', async () => {
    const { stdout } = await run(process.execPath, [sinewBin, 'diagnostics', 'endpoints', 'web.shop.svc.cluster.local:80', '--destination-addr', `127.0.0.1:${grpc.port}`]);
    const lines = stdout.trimEnd().split('\n').map((line) => line.split(/\s+/));
    assert.deepEqual(lines, [
      ['NAMESPACE', 'IP', 'PORT', 'POD', 'SERVICE'],
      ['shop', '10.0.0.1', '8080', 'web-1', 'web'],
      ['shop', '10.0.0.2', '8080', 'web-2', 'web'],
    ]);
  });

  it('prints JSON, and exits 1 naming a refused authority and its code', async () => {
    const result = await run(process.execPath, [sinewBin, 'diagnostics', 'endpoints', 'web.shop.svc.cluster.local:80', 'nope.shop.svc.cluster.local:80',
      '--destination-addr', `127.0.0.1:${grpc.port}`, '-o', 'json']).catch((error: { code: number; stdout: string; stderr: string }) => error);
    assert.equal('code' in result ? result.code : 0, 1);
    const rows = JSON.parse(result.stdout) as { ip: string; pod: string }[];
    assert.deepEqual(rows.map((row) => row.pod), ['web-1', 'web-2']);
    assert.match(result.stderr, /nope\.shop\.svc\.cluster\.local:80: NOT_FOUND/);
  });
});

describe('sinew replay --watch', function () {
  this.timeout(30_000);

  it('prints every Update a subscriber would receive, stamped with the log time', async () => {
    const { stdout } = await run(process.execPath, [sinewBin, 'replay', 'examples/shop.events.jsonl', '--watch', 'api.shop.svc.cluster.local:8080']);
    const lines = stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'start api.shop.svc.cluster.local:8080 no_endpoints exists=false');
    assert.ok(lines.includes('2026-01-01T00:00:17.000Z api.shop.svc.cluster.local:8080 remove 10.0.2.1:8080'));
    const held = new Set<string>();
    for (const line of lines) {
      const [, , verb, address] = line.split(' ');
      if (verb === 'add' && address !== undefined) held.add(address);
      if (verb === 'remove' && address !== undefined) held.delete(address);
    }
    assert.deepEqual([...held].sort(), ['10.0.2.11:8080', '10.0.2.12:8080', '10.0.2.13:8080']);
  });

  it('refuses an authority that is not a service name, naming it', async () => {
    const result = await run(process.execPath, [sinewBin, 'replay', 'examples/shop.events.jsonl', '--watch', '10.0.0.1:80'])
      .catch((error: { code: number; stderr: string }) => error);
    assert.equal('code' in result ? result.code : 0, 2);
    assert.match(result.stderr, /--watch "10\.0\.0\.1:80"/);
  });
});
