import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { allKinds } from '../../src/informers/kinds/index.js';
import { silentLogger } from '../../src/observe/logger.js';
import { allReconcilers } from '../../src/reconcilers/index.js';
import { createEngine } from '../../src/streams/engine.js';
import { startControlPlane, getText, sinewBin, ViewStreamClient, waitReady, type ControlPlaneProcess } from '../support/control-plane-process.js';
import { reconcileFromScratch, storeMatchesList, tempDir } from '../support/engine-harness.js';
import { destinationClient, eventually, FoldedGet } from '../support/destination-client.js';
import { FakeApiServer } from '../support/fake-api-server.js';
import { endpointSlice, pod, service } from '../support/objects.js';

const run = promisify(execFile);
const views = ['endpoints/default/web:80', 'endpoints/default/api:8080'];

function seed(api: FakeApiServer): void {
  for (const spec of allKinds) api.addResource(spec);
  api.create('services', service('default', 'web', [{ name: 'http', port: 80, targetPort: 8080 }], '10.96.0.10'));
  api.create('services', service('default', 'api', [{ name: 'http', port: 8080 }], '10.96.0.11'));
  for (let i = 1; i <= 4; i++) api.create('pods', pod('default', `web-${i}`, { ip: `10.0.0.${i}` }));
}

function step(api: FakeApiServer, n: number): void {
  const web = Array.from({ length: 1 + (n % 4) }, (_, i) => ({ ip: `10.0.0.${i + 1}`, pod: `web-${i + 1}`, ready: (n + i) % 3 !== 0 }));
  api.apply('endpointslices.discovery.k8s.io', endpointSlice('default', 'web-a', 'web', web, [{ name: 'http', port: 8080 }]));
  api.apply('endpointslices.discovery.k8s.io', endpointSlice('default', 'api-a', 'api', [{ ip: `10.0.1.${n % 7}` }], [{ name: 'http', port: 8080 }]));
}

/** The ready web endpoints after `step(api, n)`. */
function readyWeb(n: number): string {
  return Array.from({ length: 1 + (n % 4) }, (_, i) => i).filter((i) => (n + i) % 3 !== 0).map((i) => `10.0.0.${i + 1}:8080`).join(',');
}

async function subscribersConverge(api: FakeApiServer, clients: ReadonlyMap<string, ViewStreamClient>): Promise<void> {
  const deadline = Date.now() + 15_000;
  let problem = '';
  while (Date.now() < deadline) {
    const oracle = await reconcileFromScratch(api);
    problem = '';
    for (const [key, client] of clients) {
      const want = (oracle.store.getView(key)?.items ?? []).map((item) => item.name + '@' + item.version).join(',');
      const have = [...client.items.values()].map((item) => item.name + '@' + item.version).sort().join(',');
      if (want !== have) problem += `${key}: have [${have}] want [${want}] `;
    }
    await oracle.close();
    if (problem === '') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`subscribers did not converge: ${problem}`);
}

describe('sinew control-plane', function () {
  this.timeout(60_000);
  let api: FakeApiServer;
  let dir: string;
  let kubeconfig: string;
  let processes: ControlPlaneProcess[] = [];

  beforeEach(async () => {
    api = await FakeApiServer.start({ bookmarkIntervalMs: 100 });
    seed(api);
    dir = tempDir('sinew-cp-');
    kubeconfig = path.join(dir, 'kubeconfig');
    api.writeKubeconfig(kubeconfig);
  });

  afterEach(async () => {
    for (const cp of processes) if (cp.child.exitCode === null) await cp.kill();
    processes = [];
    await api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(...args: string[]): Promise<ControlPlaneProcess> {
    const cp = await startControlPlane(['--kubeconfig', kubeconfig, '--log-level', 'info', ...args]);
    processes.push(cp);
    return cp;
  }

  it('killed with SIGKILL mid-stream, restarts from its store: the store equals a LIST and subscribers converge', async () => {
    const store = path.join(dir, 'store');
    let cp = await start('--store', store);
    await waitReady(cp.adminPort);
    for (let n = 0; n < 40; n++) {
      step(api, n);
      if (n === 25) await cp.kill();
      else await new Promise((resolve) => setTimeout(resolve, 3));
    }
    cp = await start('--store', store);
    await waitReady(cp.adminPort);
    const clients = new Map(views.map((key) => [key, new ViewStreamClient(cp.adminPort, key)]));
    try {
      for (let n = 40; n < 50; n++) step(api, n);
      await subscribersConverge(api, clients);
    } finally {
      for (const client of clients.values()) client.close();
    }
    assert.equal(await cp.stop(), 0);
    const engine = await createEngine({ storeDir: store, kinds: allKinds, reconcilers: allReconcilers, log: silentLogger });
    try {
      assert.equal(storeMatchesList(api, engine), undefined);
    } finally {
      await engine.close();
    }
  });

  it('serves Destination.Get on its gRPC port, from the informers to the proxy API', async () => {
    const cp = await start();
    await waitReady(cp.adminPort);
    step(api, 3);
    assert.ok(cp.destinationPort !== undefined, 'the start-up line names the destination port');
    const client = destinationClient(cp.destinationPort);
    const stream = new FoldedGet(client, 'web.default.svc.cluster.local:80');
    try {
      for (const n of [3, 4, 5]) {
        step(api, n);
        const want = readyWeb(n);
        await eventually(() => (stream.names().join(',') === want ? undefined : `step ${n}: have ${stream.names().join(',')}, want ${want}`));
      }
    } finally {
      stream.cancel();
      client.close();
    }
  });

  it('serves /live, /ready, /metrics and /views', async () => {
    const cp = await start();
    await waitReady(cp.adminPort);
    step(api, 1);
    assert.equal((await getText(cp.adminPort, '/live')).status, 200);
    const metrics = await getText(cp.adminPort, '/metrics');
    assert.match(metrics.body, /informer_events_total\{resource="pods",type="ADDED"\} 4/);
    const deadline = Date.now() + 5000;
    let keys: string[] = [];
    while (keys.length < 4 && Date.now() < deadline) {
      keys = JSON.parse((await getText(cp.adminPort, '/views')).body) as string[];
    }
    assert.deepEqual(keys, [
      'endpoints/default/api:8080', 'endpoints/default/web:80',
      'inbound/default/web-1', 'inbound/default/web-2', 'inbound/default/web-3', 'inbound/default/web-4',
      'outbound/default/api', 'outbound/default/web',
      'profiles/default/api', 'profiles/default/web',
    ]);
    assert.equal((await getText(cp.adminPort, '/views/endpoints%2Fdefault%2Fnope%3A1')).status, 404);
  });

  it('records what its informers deliver, and replaying the recording gives the live views', async () => {
    const log = path.join(dir, 'events.jsonl');
    const cp = await start('--record', log);
    await waitReady(cp.adminPort);
    for (let n = 0; n < 12; n++) step(api, n);
    const clients = new Map(views.map((key) => [key, new ViewStreamClient(cp.adminPort, key)]));
    await subscribersConverge(api, clients);
    const live = new Map([...clients].map(([key, client]) => [key, [...client.items.keys()].sort()]));
    for (const client of clients.values()) client.close();
    assert.equal(await cp.stop(), 0);
    const text = fs.readFileSync(log, 'utf8');
    assert.doesNotMatch(text, /do-not-record/, 'container env is never recorded');
    for (const [key, names] of live) {
      const { stdout } = await run(process.execPath, [sinewBin, 'replay', log, '--quiet', '--get', key, '-o', 'json']);
      const replayed = JSON.parse(stdout) as { items: { name: string }[] };
      assert.deepEqual(replayed.items.map((item) => item.name), names, key);
    }
  });
});
