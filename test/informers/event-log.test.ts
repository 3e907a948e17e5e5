/** The event log: reading Sinew's own format and kubectl's watch output, skipping, failing with file and line, writing. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ObjectChange } from '../../src/informers/event.js';
import { EventLogError, EventLogWriter, type LogEntry, type LogReadStats, readEventLog } from '../../src/informers/event-log.js';
import { keyOf, resourceId } from '../../src/informers/kind.js';
import { allKinds, podKind } from '../../src/informers/kinds/index.js';
import type { Pod } from '../../src/informers/kinds/pod.js';
import type { ObjectKey } from '../../src/informers/object.js';
import { createLogger, type Logger } from '../../src/observe/logger.js';
import { endpointSlice, namespace, pod, service } from '../support/objects.js';

type Json = Record<string, unknown>;

/** Adds what the API server sets on every object (and kubectl prints): identity, versions, managedFields. */
function served(object: Json, resourceVersion: string, extra: Json = {}): Json {
  const metadata = object['metadata'] as Json;
  return {
    ...object,
    metadata: {
      ...metadata,
      uid: `uid-${String(metadata['name'])}`,
      resourceVersion,
      creationTimestamp: '2026-01-01T00:00:00Z',
      managedFields: [{
        manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', time: '2026-01-01T00:00:00Z',
        fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { '.': {} } } },
      }],
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"v1","kind":"Whatever"}\n' },
    },
    ...extra,
  };
}

/** A pod as `kubectl get pod -o json` prints it: env with a secret, envFrom, volumes, a full status. */
function fullPod(ns: string, name: string, ip: string, resourceVersion: string): Json {
  const base = served(pod(ns, name, { ip, env: [{ name: 'DB_PASSWORD', value: 'hunter2-do-not-record' }] }), resourceVersion);
  const spec = base['spec'] as Json;
  const containers = spec['containers'] as Json[];
  return {
    ...base,
    spec: {
      ...spec,
      restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30,
      volumes: [{ name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }] } }],
      containers: containers.map((container) => ({
        ...container,
        envFrom: [{ secretRef: { name: 'db-credentials' } }],
        resources: { limits: { memory: '128Mi' }, requests: { cpu: '100m' } },
        volumeMounts: [{ name: 'token', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
        terminationMessagePath: '/dev/termination-log', imagePullPolicy: 'IfNotPresent',
      })),
    },
    status: {
      ...(base['status'] as Json),
      hostIP: '172.18.0.2', qosClass: 'Burstable', startTime: '2026-01-01T00:00:00Z',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:05Z', lastProbeTime: null }],
      containerStatuses: [{ name: 'app', ready: true, restartCount: 0, image: 'example/app:1', imageID: 'sha256:abc', started: true, state: { running: { startedAt: '2026-01-01T00:00:04Z' } } }],
    },
  };
}

/** What kubectl prints for `--watch --output-watch-events -o json`: 4-space indented events, one after another. */
function kubectlEvents(events: readonly { type: string; object: Json }[]): string {
  return events.map((event) => JSON.stringify(event, null, 4)).join('\n') + '\n';
}

function sinewLine(at: string, type: string, object: Json): string {
  return JSON.stringify({ at, type, object });
}

interface Captured {
  readonly log: Logger;
  readonly warnings: string[];
}

function capturingLogger(): Captured {
  const warnings: string[] = [];
  return { log: createLogger({ level: 'warn', write: (line) => warnings.push(line) }), warnings };
}

function freshStats(): LogReadStats {
  return { skippedUnknownKind: 0, skippedInvalid: 0, skippedOtherTypes: 0 };
}

async function readAll(file: string, log: Logger = capturingLogger().log, stats: LogReadStats = freshStats()): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const entry of readEventLog(file, allKinds, log, stats)) out.push(entry);
  return out;
}

/** Reads until the reader fails; returns what was read before and the error. */
async function readUntilError(file: string): Promise<{ entries: LogEntry[]; error: EventLogError }> {
  const entries: LogEntry[] = [];
  try {
    for await (const entry of readEventLog(file, allKinds, capturingLogger().log)) entries.push(entry);
  } catch (error) {
    assert.ok(error instanceof EventLogError, `expected an EventLogError, got ${String(error)}`);
    return { entries, error };
  }
  assert.fail(`reading ${file} succeeded`);
}

function summary(entries: readonly LogEntry[]): { line: number; at: string | undefined; type: string; key: string }[] {
  return entries.map(({ line, at, change }) => ({ line, at: at?.toISOString(), type: change.type, key: change.key }));
}

describe('event log', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinew-event-log-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function write(name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  }

  describe('readEventLog', () => {
    it('reads the DESIGN.md format: one entry a line, with its time, line, type, resource and key', async () => {
      const file = write('log.jsonl', [
        sinewLine('2026-01-01T00:00:01Z', 'ADDED', served(namespace('shop'), '10')),
        sinewLine('2026-01-01T00:00:02.500Z', 'ADDED', served(service('shop', 'web', [{ name: 'http', port: 80, targetPort: 8080 }]), '11')),
        '',
        sinewLine('2026-01-01T02:00:03+02:00', 'MODIFIED', served(endpointSlice('shop', 'web-abc', 'web', [{ ip: '10.0.0.1' }], [{ name: 'http', port: 8080 }]), '12')),
        sinewLine('2026-01-01T00:00:04Z', 'DELETED', served(service('shop', 'web', [{ port: 80 }]), '13')),
      ].join('\n') + '\n');
      const entries = await readAll(file);
      assert.deepEqual(summary(entries), [
        { line: 1, at: '2026-01-01T00:00:01.000Z', type: 'ADDED', key: 'namespaces/shop' },
        { line: 2, at: '2026-01-01T00:00:02.500Z', type: 'ADDED', key: 'services/shop/web' },
        { line: 4, at: '2026-01-01T00:00:03.000Z', type: 'MODIFIED', key: 'endpointslices.discovery.k8s.io/shop/web-abc' },
        { line: 5, at: '2026-01-01T00:00:04.000Z', type: 'DELETED', key: 'services/shop/web' },
      ]);
      assert.deepEqual(entries.map((entry) => entry.change.resource), ['namespaces', 'services', 'endpointslices.discovery.k8s.io', 'services']);
      assert.equal(entries[2]?.change.object.metadata.resourceVersion, '12');
    });

    it('reads kubectl --watch --output-watch-events -o json output: pretty-printed, full objects, no times', async () => {
      const text = kubectlEvents([
        { type: 'ADDED', object: served(service('shop', 'web', [{ name: 'http', port: 80, targetPort: 8080 }]), '500', { status: { loadBalancer: {} } }) },
        { type: 'ADDED', object: fullPod('shop', 'web-7f9c-abcde', '10.244.0.7', '501') },
        { type: 'ADDED', object: served(endpointSlice('shop', 'web-x1', 'web', [{ ip: '10.244.0.7', pod: 'web-7f9c-abcde' }], [{ name: 'http', port: 8080 }]), '502') },
        { type: 'MODIFIED', object: fullPod('shop', 'web-7f9c-abcde', '10.244.0.7', '503') },
        { type: 'DELETED', object: fullPod('shop', 'web-7f9c-abcde', '10.244.0.7', '504') },
      ]);
      const file = write('kubectl.json', text);
      const starts = text.split('\n').flatMap((line, index) => (line === '{' ? [index + 1] : []));
      const entries = await readAll(file);
      assert.deepEqual(summary(entries), [
        { line: starts[0] as number, at: undefined, type: 'ADDED', key: 'services/shop/web' },
        { line: starts[1] as number, at: undefined, type: 'ADDED', key: 'pods/shop/web-7f9c-abcde' },
        { line: starts[2] as number, at: undefined, type: 'ADDED', key: 'endpointslices.discovery.k8s.io/shop/web-x1' },
        { line: starts[3] as number, at: undefined, type: 'MODIFIED', key: 'pods/shop/web-7f9c-abcde' },
        { line: starts[4] as number, at: undefined, type: 'DELETED', key: 'pods/shop/web-7f9c-abcde' },
      ]);
      const projected = entries[1]?.change.object as Pod;
      assert.equal(projected.status?.podIP, '10.244.0.7');
      assert.equal(projected.spec.containers[0]?.readinessProbe?.httpGet?.path, '/ready');
      assert.equal('managedFields' in projected.metadata, false, 'managedFields is not kept');
      assert.equal('qosClass' in (projected.status ?? {}), false, 'status fields Sinew does not use are not kept');
    });

    it('projects container env away: no env name or value survives the read', async () => {
      const file = write('kubectl.json', kubectlEvents([{ type: 'ADDED', object: fullPod('shop', 'web-1', '10.0.0.1', '7') }]));
      const [entry] = await readAll(file);
      assert.ok(entry !== undefined);
      const text = JSON.stringify(entry.change.object);
      assert.doesNotMatch(text, /hunter2|DB_PASSWORD|db-credentials/);
      const container = (entry.change.object as Pod).spec.containers[0];
      assert.ok(container !== undefined);
      assert.equal('env' in container, false);
      assert.equal('envFrom' in container, false);
    });

    it('skips and counts an entry of a kind Sinew does not watch, warns once per kind, and reads on', async () => {
      const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop', resourceVersion: '2' }, data: { password: 'x' } };
      const file = write('log.jsonl', [
        sinewLine('2026-01-01T00:00:01Z', 'ADDED', configMap),
        sinewLine('2026-01-01T00:00:02Z', 'ADDED', served(namespace('shop'), '3')),
        sinewLine('2026-01-01T00:00:03Z', 'MODIFIED', { ...configMap, metadata: { ...configMap.metadata, resourceVersion: '4' } }),
        sinewLine('2026-01-01T00:00:04Z', 'ADDED', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', resourceVersion: '5' } }),
        sinewLine('2026-01-01T00:00:05Z', 'ADDED', served(service('shop', 'web', [{ port: 80 }]), '6')),
      ].join('\n'));
      const stats = freshStats();
      const { log, warnings } = capturingLogger();
      const entries = await readAll(file, log, stats);
      assert.deepEqual(entries.map((entry) => entry.line), [2, 5]);
      assert.equal(stats.skippedUnknownKind, 3);
      assert.equal(stats.skippedInvalid, 0);
      assert.equal(warnings.length, 2, warnings.join('\n'));
      assert.match(warnings[0] ?? '', /ConfigMap/);
      assert.match(warnings[1] ?? '', /Deployment/);
    });

    it('does not take a kind of another API group for a watched one', async () => {
      const lookalike = { apiVersion: 'example.com/v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop', resourceVersion: '2' }, spec: { containers: [] } };
      const file = write('log.jsonl', sinewLine('2026-01-01T00:00:01Z', 'ADDED', lookalike) + '\n');
      const stats = freshStats();
      assert.deepEqual(await readAll(file, capturingLogger().log, stats), []);
      assert.equal(stats.skippedUnknownKind, 1);
    });

    it('skips and counts an object that fails its projection, and reads on', async () => {
      const badPort = served(service('shop', 'web', [{ port: 70000 }]), '2');
      const noContainers = served({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec: {} }, '3');
      const file = write('log.jsonl', [
        sinewLine('2026-01-01T00:00:01Z', 'ADDED', badPort),
        sinewLine('2026-01-01T00:00:02Z', 'MODIFIED', noContainers),
        sinewLine('2026-01-01T00:00:03Z', 'ADDED', served(service('shop', 'api', [{ port: 8080 }]), '4')),
      ].join('\n'));
      const stats = freshStats();
      const { log, warnings } = capturingLogger();
      const entries = await readAll(file, log, stats);
      assert.deepEqual(summary(entries), [{ line: 3, at: '2026-01-01T00:00:03.000Z', type: 'ADDED', key: 'services/shop/api' }]);
      assert.equal(stats.skippedInvalid, 2);
      assert.equal(stats.skippedUnknownKind, 0);
      assert.ok(warnings.some((line) => /line=1/.test(line)), warnings.join('\n'));
    });

    it('accepts a DELETED entry that holds only the identity of its object (a tombstone)', async () => {
      const file = write('log.jsonl', [
        sinewLine('2026-01-01T00:00:01Z', 'DELETED', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'shop', resourceVersion: '9' } }),
        sinewLine('2026-01-01T00:00:02Z', 'DELETED', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'old', resourceVersion: '10', uid: 'u-old' } }),
      ].join('\n'));
      const stats = freshStats();
      const entries = await readAll(file, capturingLogger().log, stats);
      assert.deepEqual(summary(entries), [
        { line: 1, at: '2026-01-01T00:00:01.000Z', type: 'DELETED', key: 'pods/shop/web-1' },
        { line: 2, at: '2026-01-01T00:00:02.000Z', type: 'DELETED', key: 'namespaces/old' },
      ]);
      assert.equal(entries[0]?.change.object.metadata.resourceVersion, '9');
      assert.equal(stats.skippedInvalid, 0);
    });

    it('does not accept an identity-only object for an ADDED or MODIFIED entry', async () => {
      const identity = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'shop', resourceVersion: '9' } };
      const file = write('log.jsonl', [
        sinewLine('2026-01-01T00:00:01Z', 'ADDED', identity),
        sinewLine('2026-01-01T00:00:02Z', 'MODIFIED', identity),
      ].join('\n'));
      const stats = freshStats();
      assert.deepEqual(await readAll(file, capturingLogger().log, stats), []);
      assert.equal(stats.skippedInvalid, 2);
    });

    it('skips and counts BOOKMARK and ERROR entries', async () => {
      const file = write('kubectl.json', kubectlEvents([
        { type: 'BOOKMARK', object: { apiVersion: 'v1', kind: 'Pod', metadata: { resourceVersion: '77' } } },
        { type: 'ERROR', object: { apiVersion: 'v1', kind: 'Status', status: 'Failure', code: 410, reason: 'Expired' } },
        { type: 'ADDED', object: served(namespace('shop'), '78') },
      ]));
      const stats = freshStats();
      const entries = await readAll(file, capturingLogger().log, stats);
      assert.deepEqual(entries.map((entry) => entry.change.key), ['namespaces/shop']);
      assert.equal(stats.skippedOtherTypes, 2);
    });

    it('stops at text that is not JSON with an EventLogError naming the file and line, after the entries before it', async () => {
      const file = write('broken.jsonl', [
        sinewLine('2026-01-01T00:00:01Z', 'ADDED', served(namespace('shop'), '1')),
        sinewLine('2026-01-01T00:00:02Z', 'ADDED', served(namespace('web'), '2')),
        'Error from server (Forbidden): pods is forbidden',
        sinewLine('2026-01-01T00:00:03Z', 'ADDED', served(namespace('api'), '3')),
      ].join('\n'));
      const { entries, error } = await readUntilError(file);
      assert.deepEqual(entries.map((entry) => entry.line), [1, 2]);
      assert.equal(error.file, file);
      assert.equal(error.line, 3);
      assert.ok(error.message.includes(`${file}:3:`), error.message);
    });

    it('stops at a value that is broken inside its braces, naming the line it starts on', async () => {
      const file = write('broken.jsonl', [
        sinewLine('2026-01-01T00:00:01Z', 'ADDED', served(namespace('shop'), '1')),
        '{"at":"2026-01-01T00:00:02Z","type":"ADDED","object":{"apiVersion":"v1",kind:"Namespace"}}',
      ].join('\n'));
      const { entries, error } = await readUntilError(file);
      assert.equal(entries.length, 1);
      assert.equal(error.line, 2);
      assert.ok(error.message.startsWith(`${file}:2:`), error.message);
      assert.match(error.message, /not valid JSON/);
    });

    it('stops at a kubectl file that ends inside an object, naming the line that object starts on', async () => {
      const whole = kubectlEvents([
        { type: 'ADDED', object: served(namespace('shop'), '1') },
        { type: 'ADDED', object: fullPod('shop', 'web-1', '10.0.0.1', '2') },
      ]);
      const cut = whole.slice(0, whole.indexOf('"containers"'));
      const secondStart = whole.split('\n').findIndex((line, index) => index > 0 && line === '{') + 1;
      const file = write('cut.json', cut);
      const { entries, error } = await readUntilError(file);
      assert.deepEqual(entries.map((entry) => entry.change.key), ['namespaces/shop']);
      assert.equal(error.line, secondStart);
      assert.ok(error.message.includes(`${file}:${secondStart}:`), error.message);
    });

    it('stops at JSON that is not a log entry, naming its line', async () => {
      const file = write('log.jsonl', [
        sinewLine('2026-01-01T00:00:01Z', 'ADDED', served(namespace('shop'), '1')),
        '{"kind":"List","items":[]}',
      ].join('\n'));
      const { error } = await readUntilError(file);
      assert.equal(error.line, 2);
      assert.ok(error.message.startsWith(`${file}:2:`), error.message);
      assert.match(error.message, /not a log entry/);
    });

    it('stops at a top-level value that is not an object, a number or a bare string alike, naming its line', async () => {
      for (const stray of ['42', '"a stray string"']) {
        const file = write('stray.jsonl', [
          sinewLine('2026-01-01T00:00:01Z', 'ADDED', served(namespace('shop'), '1')),
          stray,
          sinewLine('2026-01-01T00:00:03Z', 'ADDED', served(namespace('web'), '3')),
        ].join('\n'));
        const { entries, error } = await readUntilError(file);
        assert.equal(entries.length, 1, stray);
        assert.equal(error.line, 2, stray);
        assert.ok(error.message.startsWith(`${file}:2:`), error.message);
      }
    });

    it('refuses an "at" that is not an RFC 3339 time, with its line', async () => {
      for (const at of ['yesterday', '2026-01-01', '2026-01-01 00:00:01', '2026-13-45T99:00:00Z']) {
        const file = write('bad-at.jsonl', [
          sinewLine('2026-01-01T00:00:01Z', 'ADDED', served(namespace('shop'), '1')),
          '',
          sinewLine(at, 'ADDED', served(namespace('web'), '2')),
        ].join('\n'));
        const { entries, error } = await readUntilError(file);
        assert.equal(entries.length, 1, at);
        assert.equal(error.line, 3, at);
        assert.ok(error.message.startsWith(`${file}:3:`), error.message);
        assert.match(error.message, /"at"/);
      }
    });

    it('fails clearly for a missing file, naming it', async () => {
      const missing = path.join(dir, 'no-such.jsonl');
      const { entries, error } = await readUntilError(missing);
      assert.deepEqual(entries, []);
      assert.equal(error.file, missing);
      assert.ok(error.message.includes(missing), error.message);
      assert.match(error.message, /no such file/);
    });
  });

  describe('EventLogWriter', () => {
    const fixedNow = (): Date => new Date('2026-03-04T05:06:07.000Z');

    it('records what was read without any container env, and reads back as the same changes', async () => {
      const source = write('kubectl.json', kubectlEvents([
        { type: 'ADDED', object: fullPod('shop', 'web-1', '10.0.0.1', '7') },
        { type: 'ADDED', object: served(service('shop', 'web', [{ port: 80 }]), '8') },
        { type: 'DELETED', object: fullPod('shop', 'web-1', '10.0.0.1', '9') },
      ]));
      const read = await readAll(source);
      const recorded = path.join(dir, 'recorded.jsonl');
      const writer = new EventLogWriter(recorded, fixedNow);
      for (const entry of read) writer.write([entry.change]);
      writer.close();
      const text = fs.readFileSync(recorded, 'utf8');
      assert.equal(text.split('\n').length, 4, 'one line per change and a final newline');
      assert.doesNotMatch(text, /hunter2|DB_PASSWORD|"env"|envFrom|db-credentials|managedFields/);
      const again = await readAll(recorded);
      assert.deepEqual(again.map((entry) => entry.change), read.map((entry) => entry.change));
      assert.deepEqual(again.map((entry) => entry.at?.toISOString()), Array(3).fill('2026-03-04T05:06:07.000Z'));
    });

    it('projects on the way out: an object that still carries container env is recorded without it', () => {
      const object = {
        apiVersion: 'v1', kind: 'Pod',
        metadata: { name: 'web-1', namespace: 'shop', resourceVersion: '7' },
        spec: { containers: [{ name: 'app', env: [{ name: 'DB_PASSWORD', value: 'hunter2-do-not-record' }] }] },
      };
      const resource = resourceId(podKind);
      const change: ObjectChange = { type: 'ADDED', resource, key: keyOf(resource, object), object };
      const recorded = path.join(dir, 'recorded.jsonl');
      const writer = new EventLogWriter(recorded, fixedNow);
      writer.write([change]);
      writer.close();
      const text = fs.readFileSync(recorded, 'utf8');
      assert.match(text, /"web-1"/);
      assert.doesNotMatch(text, /hunter2|DB_PASSWORD|"env"/);
    });

    it('appends every change of a call as its own line with one time, and nothing for an empty call', async () => {
      const recorded = path.join(dir, 'recorded.jsonl');
      const source = write('log.jsonl', [
        sinewLine('2026-01-01T00:00:01Z', 'ADDED', served(namespace('a'), '1')),
        sinewLine('2026-01-01T00:00:02Z', 'ADDED', served(namespace('b'), '2')),
        sinewLine('2026-01-01T00:00:03Z', 'ADDED', served(namespace('c'), '3')),
      ].join('\n'));
      const changes = (await readAll(source)).map((entry) => entry.change);
      const first = new EventLogWriter(recorded, fixedNow);
      first.write(changes.slice(0, 2));
      first.write([]);
      first.close();
      const second = new EventLogWriter(recorded, () => new Date('2026-03-04T05:06:08.000Z'));
      second.write(changes.slice(2));
      second.close();
      const again = await readAll(recorded);
      assert.deepEqual(again.map((entry) => [entry.line, entry.at?.toISOString(), entry.change.key as string]), [
        [1, '2026-03-04T05:06:07.000Z', 'namespaces/a' as ObjectKey],
        [2, '2026-03-04T05:06:07.000Z', 'namespaces/b' as ObjectKey],
        [3, '2026-03-04T05:06:08.000Z', 'namespaces/c' as ObjectKey],
      ]);
    });
  });
});
