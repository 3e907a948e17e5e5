/** The demo's event log: the bundled file is the generator's output, and its rollout is one a real cluster could record. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultTimeline, demoEventLog } from '../../src/demo/demo-events.js';
import { readSchedule } from '../../src/demo/demo-schedule.js';
import { demoWorkloads } from '../../src/demo/demo-topology.js';

interface Line {
  readonly at: string;
  readonly type: string;
  readonly object: {
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly uid?: string; readonly resourceVersion?: string };
    readonly endpoints?: readonly { readonly targetRef: { readonly name: string }; readonly conditions: { readonly ready: boolean; readonly terminating: boolean } }[];
  };
}

const lines = (text: string): Line[] => text.trim().split('\n').map((line) => JSON.parse(line) as Line);
const seconds = (line: Line): number => (Date.parse(line.at) - Date.parse('2026-01-01T00:00:00Z')) / 1000;

describe('the demo event log', () => {
  it('is committed as examples/demo.events.jsonl exactly as the generator writes it', () => {
    assert.equal(fs.readFileSync('examples/demo.events.jsonl', 'utf8'), demoEventLog(), 'run `npm run build && node scripts/gen-demo-events.js`');
  });

  it('gives every object a uid that stays across its changes and a resourceVersion that grows', () => {
    const log = lines(demoEventLog());
    const uids = new Map<string, string>();
    let last = 0;
    for (const line of log) {
      const { uid, resourceVersion, name } = line.object.metadata;
      assert.ok(uid !== undefined && uid !== '', `${line.object.kind} ${name} has no uid`);
      const key = `${line.object.kind}/${name}`;
      assert.equal(uids.get(key) ?? uid, uid, `${key} changed its uid`);
      uids.set(key, uid);
      assert.ok(Number(resourceVersion) > last, `${key}'s resourceVersion ${resourceVersion} does not grow`);
      last = Number(resourceVersion);
    }
  });

  it('rolls api out one pod at a time: never fewer ready endpoints than replicas, each v1 pod not ready before it goes', () => {
    const log = lines(demoEventLog());
    const replicas = demoWorkloads.find((workload) => workload.name === 'api')?.replicas ?? 0;
    const notReadyAt = new Map<string, number>();
    const slices = log.filter((line) => line.object.kind === 'EndpointSlice' && line.object.metadata.name.startsWith('api-'));
    assert.ok(slices.length > replicas * 3, 'the rollout changes api\'s endpoints');
    for (const slice of slices) {
      const endpoints = slice.object.endpoints ?? [];
      assert.ok(endpoints.filter((endpoint) => endpoint.conditions.ready).length >= replicas, `at ${slice.at} api has fewer than ${replicas} ready endpoints`);
      for (const endpoint of endpoints) if (!endpoint.conditions.ready && endpoint.conditions.terminating) notReadyAt.set(endpoint.targetRef.name, seconds(slice));
    }
    const deleted = log.filter((line) => line.type === 'DELETED' && line.object.kind === 'Pod');
    assert.equal(deleted.length, replicas);
    for (const pod of deleted) {
      const since = notReadyAt.get(pod.object.metadata.name);
      assert.ok(since !== undefined && seconds(pod) - since >= 1, `${pod.object.metadata.name} is deleted without being marked terminating a second before`);
      assert.ok(seconds(pod) >= defaultTimeline.rolloutAtS, 'no pod goes before the rollout starts');
    }
  });

  it('reads into a schedule: every initial pod from the start, api\'s v2 pods later, the v1 pods stopped', async () => {
    const schedule = await readSchedule('examples/demo.events.jsonl');
    const initial = demoWorkloads.reduce((n, workload) => n + workload.replicas, 0);
    assert.equal(schedule.pods.filter((pod) => pod.startS === 0).length, initial);
    const later = schedule.pods.filter((pod) => pod.startS > 0);
    assert.deepEqual(later.map((pod) => pod.workload.name), ['api', 'api', 'api']);
    assert.ok(later.every((pod) => pod.stopS === undefined && /^127\.0\.72\.1[1-3]$/.test(pod.ip)));
    assert.deepEqual(schedule.pods.filter((pod) => pod.stopS !== undefined).map((pod) => pod.ip).sort(), ['127.0.72.1', '127.0.72.2', '127.0.72.3']);
    assert.equal(schedule.rollout?.startS, defaultTimeline.rolloutAtS);
    assert.ok(schedule.news.some((item) => /svc\/api: .* terminating/.test(item.text)));
  });

  it('refuses a log whose meshed pod belongs to no workload of the demo, naming the pod', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinew-demo-events-'));
    try {
      const file = path.join(dir, 'events.jsonl');
      fs.writeFileSync(file, demoEventLog().replace(/"app":"nginx"/g, '"app":"redis"'));
      await assert.rejects(readSchedule(file), /pod nginx-[a-z0-9]+-[a-z0-9]+: its app label "redis" names no workload of the demo/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
