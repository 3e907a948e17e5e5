/** `sinew replay`: the control-plane pipeline driven by an event log, as a real process and in-process. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { CommandIo } from '../../src/cli/command-io.js';
import { main } from '../../src/cli/main.js';
import { endpointSlice, namespace, pod, service } from '../support/objects.js';

type Json = Record<string, unknown>;

/** The project root: dist/test/cli/ → three levels up. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const shopLog = 'examples/shop.events.jsonl';

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node bin/sinew.js ARGS` from the project root. */
function sinew(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/sinew.js', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({
      code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'),
    }));
  });
}

/** Runs `main(ARGS)` in this process with an io that captures what the command prints. */
async function inProcess(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = { out: (text) => { stdout += text; }, err: (text) => { stderr += text; } };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

function served(object: Json, resourceVersion: string): Json {
  const metadata = object['metadata'] as Json;
  return {
    ...object,
    metadata: {
      ...metadata, uid: `uid-${String(metadata['name'])}`, resourceVersion, creationTimestamp: '2026-01-01T00:00:00Z',
      managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } }],
    },
  };
}

/** A pod as kubectl prints it, with an env secret and a full status. */
function fullPod(ns: string, name: string, ip: string, resourceVersion: string): Json {
  const base = served(pod(ns, name, { ip, labels: { app: 'web' }, env: [{ name: 'API_KEY', value: 'sk-live-do-not-print' }] }), resourceVersion);
  return {
    ...base,
    status: {
      ...(base['status'] as Json), hostIP: '172.18.0.3', qosClass: 'BestEffort',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:05Z' }],
      containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: { startedAt: '2026-01-01T00:00:04Z' } } }],
    },
  };
}

/** `kubectl get … --watch --output-watch-events -o json`: pretty-printed events, one after another. */
function kubectlEvents(events: readonly { type: string; object: Json }[]): string {
  return events.map((event) => JSON.stringify(event, null, 4)).join('\n') + '\n';
}

/** A watch of the web service: three pods, a slice whose second endpoint becomes ready later. */
function webWatch(): string {
  const slice = (resourceVersion: string, secondReady: boolean): Json => {
    const object = served(endpointSlice('shop', 'web-x7k2p', 'web', [
      { ip: '10.1.0.1', pod: 'web-1' }, { ip: '10.1.0.2', pod: 'web-2', ready: secondReady }, { ip: '10.1.0.3', pod: 'web-3' },
    ], [{ name: 'http', port: 8080 }]), resourceVersion);
    const endpoints = object['endpoints'] as Json[];
    // Kubernetes: conditions.ready unset means ready.
    endpoints[2] = { addresses: ['10.1.0.3'], targetRef: { kind: 'Pod', name: 'web-3', namespace: 'shop' } };
    return object;
  };
  return kubectlEvents([
    { type: 'ADDED', object: served(namespace('shop'), '200') },
    { type: 'ADDED', object: served(service('shop', 'web', [{ name: 'http', port: 80, targetPort: 8080 }]), '201') },
    { type: 'ADDED', object: fullPod('shop', 'web-1', '10.1.0.1', '202') },
    { type: 'ADDED', object: fullPod('shop', 'web-2', '10.1.0.2', '203') },
    { type: 'ADDED', object: fullPod('shop', 'web-3', '10.1.0.3', '204') },
    { type: 'ADDED', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'shop', resourceVersion: '205' }, data: {} } },
    { type: 'ADDED', object: slice('206', false) },
    { type: 'MODIFIED', object: slice('207', true) },
  ]);
}

interface ViewState {
  readonly items: readonly { readonly name: string; readonly value: Json }[];
}

function itemNames(state: unknown): string[] {
  return (state as ViewState).items.map((item) => item.name);
}

describe('sinew replay', function () {
  this.timeout(60_000);
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinew-replay-'));
  });

  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function write(name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  }

  describe('as a process', () => {
    it('prints byte-identical output when the same log is replayed twice', async () => {
      const [first, second] = await Promise.all([sinew(['replay', shopLog]), sinew(['replay', shopLog])]);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(second.code, 0, second.stderr);
      assert.ok(first.stdout.length > 0);
      assert.equal(first.stdout, second.stdout);
      const lines = first.stdout.trimEnd().split('\n');
      assert.ok(lines.includes('2026-01-01T00:00:05.000Z endpoints/shop/web:80 + 10.0.1.1:8080'), first.stdout);
      assert.ok(lines.includes('2026-01-01T00:00:17.000Z endpoints/shop/api:8080 - 10.0.2.1:8080'), first.stdout);
      assert.equal(lines.filter((line) => line.includes(' endpoints/')).at(-1), '2026-01-01T00:00:27.000Z endpoints/shop/api:8080 - 10.0.2.3:8080');
      assert.equal(lines.at(-1), '2026-01-01T00:00:28.000Z inbound/shop/api-v1-2 gone', 'inbound views follow their pods');
      assert.match(first.stderr, /replayed 28 entries from examples\/shop\.events\.jsonl/);
    });

    it('prints byte-identical JSON updates when the same log is replayed twice', async () => {
      const [first, second] = await Promise.all([sinew(['replay', shopLog, '-o', 'json']), sinew(['replay', shopLog, '-o', 'json'])]);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout, second.stdout);
      const updates = first.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Json);
      assert.ok(updates.length > 5);
      assert.deepEqual(updates[0], { at: '2026-01-01T00:00:02.000Z', view: 'endpoints/shop/web:80', exists: true, upserts: [], removals: [] });
    });

    it('replays a kubectl watch-events file and gets its endpoints right', async () => {
      const file = write('kubectl-watch.json', webWatch());
      const run = await sinew(['replay', file, '--get', 'endpoints/shop/web:80', '-o', 'json', '--quiet']);
      assert.equal(run.code, 0, run.stderr);
      const state = JSON.parse(run.stdout) as ViewState;
      assert.deepEqual(state.items.map((item) => addressOf(item.value)), [
        { address: '10.1.0.1', port: 8080, pod: 'web-1' },
        { address: '10.1.0.2', port: 8080, pod: 'web-2' },
        { address: '10.1.0.3', port: 8080, pod: 'web-3' },
      ]);
      assert.match(run.stderr, /skipped 0 invalid, 1 of unwatched kinds/);
    });

    it('stamps the updates of a kubectl file, which has no times, with their entry numbers', async () => {
      const file = write('kubectl-watch.json', webWatch());
      const run = await sinew(['replay', file]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(run.stdout.trimEnd().split('\n'), [
        'entry:2 endpoints/shop/web:80 (empty)',
        'entry:2 profiles/shop/web + service',
        'entry:2 outbound/shop/web + service',
        'entry:3 inbound/shop/web-1 + facts',
        'entry:4 inbound/shop/web-2 + facts',
        'entry:5 inbound/shop/web-3 + facts',
        'entry:6 endpoints/shop/web:80 + 10.1.0.1:8080',
        'entry:6 endpoints/shop/web:80 + 10.1.0.3:8080',
        'entry:7 endpoints/shop/web:80 + 10.1.0.2:8080',
      ]);
    });

    it('stops at --until: an endpoint set that changed later is printed in its earlier state', async () => {
      const until = await sinew(['replay', shopLog, '--until', '2026-01-01T00:00:16.500Z', '--get', 'endpoints/shop/api:8080', '-o', 'json']);
      assert.equal(until.code, 0, until.stderr);
      const updates = until.stdout.split('\n').filter((line) => line.startsWith('{"at"'));
      assert.ok(updates.every((line) => (JSON.parse(line) as { at: string }).at <= '2026-01-01T00:00:16.500Z'), until.stdout);
      const state = JSON.parse(until.stdout.slice(until.stdout.indexOf('{\n'))) as ViewState;
      assert.deepEqual(itemNames(state), ['10.0.2.11:8080', '10.0.2.1:8080', '10.0.2.2:8080', '10.0.2.3:8080']);
      assert.match(until.stderr, /replayed 16 entries/);

      const whole = await sinew(['replay', shopLog, '--quiet', '--get', 'endpoints/shop/api:8080', '-o', 'json']);
      assert.equal(whole.code, 0, whole.stderr);
      assert.deepEqual(itemNames(JSON.parse(whole.stdout)), ['10.0.2.11:8080', '10.0.2.12:8080', '10.0.2.13:8080']);
    });

    it('includes an entry stamped exactly at --until, and nothing after it', async () => {
      const run = await sinew(['replay', shopLog, '--until', '2026-01-01T00:00:17Z', '--quiet', '--get', 'endpoints/shop/api:8080', '-o', 'json']);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(itemNames(JSON.parse(run.stdout)), ['10.0.2.11:8080', '10.0.2.2:8080', '10.0.2.3:8080']);
      const pod = await sinew(['replay', shopLog, '--until', '2026-01-01T00:00:17Z', '--quiet', '--get', 'pods/shop/api-v1-0', '-o', 'json']);
      assert.equal(pod.code, 0, 'api-v1-0 is deleted only at 00:00:18');
    });

    it('prints an object with --get pods/NS/NAME -o json, projected (no env)', async () => {
      const run = await sinew(['replay', shopLog, '--quiet', '--get', 'pods/shop/web-v1-0', '-o', 'json']);
      assert.equal(run.code, 0, run.stderr);
      const object = JSON.parse(run.stdout) as { kind: string; metadata: Json; status: Json };
      assert.equal(object.kind, 'Pod');
      assert.deepEqual([object.metadata['namespace'], object.metadata['name'], object.metadata['resourceVersion']], ['shop', 'web-v1-0', '103']);
      assert.equal(object.status['podIP'], '10.0.1.1');
      assert.doesNotMatch(run.stdout, /do-not-record|SECRET_TOKEN/);
    });

    it('prints a view with --get endpoints/NS/SVC:PORT, and several --get in order', async () => {
      const run = await sinew(['replay', shopLog, '--quiet', '--get', 'endpoints/shop/web:80', '--get', 'endpoints/shop/db:5432']);
      assert.equal(run.code, 0, run.stderr);
      const [web, db] = run.stdout.split(/\n(?=\{)/).map((text) => JSON.parse(text) as ViewState);
      assert.deepEqual(itemNames(web), ['10.0.1.1:8080', '10.0.1.2:8080']);
      assert.deepEqual(itemNames(db), ['10.0.3.1:5432']);
      assert.deepEqual(db?.items[0]?.value, {
        address: '10.0.3.1', port: 5432, pod: 'db-v1-0', labels: { pod: 'db-v1-0', serviceaccount: 'db' },
        protocol: 'opaque', // 5432 is one of Linkerd's default opaque ports
      });
    });

    it('prints the --get states as YAML with -o yaml, equal to the JSON ones', async () => {
      const args = ['replay', shopLog, '--quiet', '--get', 'pods/shop/api-v2-0', '--get', 'endpoints/shop/api:8080'];
      const [yaml, json] = await Promise.all([sinew([...args, '-o', 'yaml']), sinew([...args, '-o', 'json'])]);
      assert.equal(yaml.code, 0, yaml.stderr);
      assert.equal(json.code, 0, json.stderr);
      assert.ok(yaml.stdout.startsWith('---\n'), yaml.stdout);
      assert.doesNotMatch(yaml.stdout, /^\s*[{[]/);
      const documents = yaml.stdout.split(/^---\n/m).filter((text) => text !== '').map((text) => parseYaml(text) as unknown);
      const expected = json.stdout.split(/\n(?=\{)/).map((text) => JSON.parse(text) as unknown);
      assert.equal(documents.length, 2);
      assert.deepEqual(documents, expected);
    });

    it('exits non-zero on a log with a line that is not JSON, naming FILE:LINE on stderr', async () => {
      const lines = fs.readFileSync(path.join(root, shopLog), 'utf8').split('\n');
      const file = write('corrupt.jsonl', [...lines.slice(0, 4), '<<<<<<< HEAD', ...lines.slice(4)].join('\n'));
      const run = await sinew(['replay', file]);
      assert.equal(run.signal, null);
      assert.notEqual(run.code, 0);
      assert.ok(run.stderr.includes(`${file}:5:`), run.stderr);
    });

    it('exits 2 on an unknown flag, naming the flag', async () => {
      const run = await sinew(['replay', shopLog, '--speed', 'fast']);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /--speed/);
      assert.equal(run.stdout, '');
    });

    it('exits 1 when --get names a key that does not exist, naming it', async () => {
      const run = await sinew(['replay', shopLog, '--quiet', '--get', 'pods/shop/api-v1-0', '--get', 'pods/shop/web-v1-0']);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /"pods\/shop\/api-v1-0" does not exist/);
      assert.equal((JSON.parse(run.stdout) as { metadata: Json }).metadata['name'], 'web-v1-0', 'the keys that exist are still printed');
    });
  });

  describe('in-process through main()', () => {
    it('prints the same updates as the process does', async () => {
      const [inside, outside] = await Promise.all([inProcess(['replay', shopLog]), sinew(['replay', shopLog])]);
      assert.equal(inside.code, 0, inside.stderr);
      assert.equal(inside.stdout, outside.stdout);
    });

    it('returns 2 and names the flag for an unknown flag', async () => {
      const run = await inProcess(['replay', shopLog, '--fast']);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /sinew replay: .*--fast/);
    });

    it('returns 2 for a bad --until, -o or a missing FILE, saying what is wrong', async () => {
      const until = await inProcess(['replay', shopLog, '--until', 'yesterday']);
      assert.equal(until.code, 2);
      assert.match(until.stderr, /--until must be an RFC 3339 time/);
      const output = await inProcess(['replay', shopLog, '-o', 'xml']);
      assert.equal(output.code, 2);
      assert.match(output.stderr, /--output must be one of text, json, yaml/);
      const noFile = await inProcess(['replay']);
      assert.equal(noFile.code, 2);
      assert.match(noFile.stderr, /expected one log FILE, got 0/);
    });

    it('returns 1 and names a --get key that does not exist', async () => {
      const run = await inProcess(['replay', shopLog, '--quiet', '--get', 'endpoints/shop/web:81']);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /"endpoints\/shop\/web:81" does not exist/);
      assert.equal(run.stdout, '');
    });

    it('returns 1 and names the file for a log that does not exist', async () => {
      const missing = path.join(dir, 'missing.jsonl');
      const run = await inProcess(['replay', missing]);
      assert.equal(run.code, 1);
      assert.ok(run.stderr.includes(missing), run.stderr);
      assert.match(run.stderr, /no such file/);
    });

    it('returns 1 and names FILE:LINE for a kubectl file that ends inside an object', async () => {
      const text = webWatch();
      const cut = text.slice(0, text.lastIndexOf('"endpoints"'));
      const lastStart = text.split('\n').lastIndexOf('{') + 1;
      const file = write('cut.json', cut);
      const run = await inProcess(['replay', file]);
      assert.equal(run.code, 1);
      assert.ok(run.stderr.includes(`${file}:${lastStart}:`), run.stderr);
    });

    it('prints the state of --get in-process, with the updates before it unless --quiet', async () => {
      const loud = await inProcess(['replay', shopLog, '--get', 'endpoints/shop/db:5432']);
      const quiet = await inProcess(['replay', shopLog, '--quiet', '--get', 'endpoints/shop/db:5432']);
      assert.equal(loud.code, 0, loud.stderr);
      assert.equal(quiet.code, 0, quiet.stderr);
      assert.deepEqual(itemNames(JSON.parse(quiet.stdout)), ['10.0.3.1:5432']);
      assert.ok(loud.stdout.endsWith(quiet.stdout));
      assert.ok(loud.stdout.startsWith('2026-01-01T00:00:02.000Z endpoints/shop/web:80 (empty)\n'), loud.stdout);
    });

    it('prints its help with --help and exits 0', async () => {
      const run = await inProcess(['replay', '--help']);
      assert.equal(run.code, 0);
      assert.match(run.stdout, /^Usage: sinew replay FILE/);
      assert.match(run.stdout, /--until TIME/);
    });
  });
});

/** The address part of an endpoints item (its metric labels and hints are checked elsewhere). */
function addressOf(value: unknown): { address: unknown; port: unknown; pod: unknown } {
  const { address, port, pod } = value as { address?: unknown; port?: unknown; pod?: unknown };
  return { address, port, pod };
}
