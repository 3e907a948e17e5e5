/**
 * `sinew inject` and `sinew uninject` as a user runs them, in-process: standard input, directory
 * recursion, Lists, a bad document among good ones, URLs, `-o json`, the flags and the report.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { injectCommand, injectHelp, type ManifestIo } from '../../src/cli/inject.js';
import { uninjectCommand, uninjectHelp } from '../../src/cli/uninject.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { containersOf, corpusDir, envValue, templateOf, type Json } from './corpus.js';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

type Command = (argv: readonly string[], io: ManifestIo) => Promise<number>;

async function run(command: Command, args: readonly string[], stdin = '', extra: Partial<ManifestIo> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: ManifestIo = {
    out: (text) => { stdout += text; },
    err: (text) => { stderr += text; },
    readStdin: () => Promise.resolve(stdin),
    ...extra,
  };
  const code = await command(args, io);
  return { code, stdout, stderr };
}

function documents(yamlText: string): Json[] {
  return parseAllDocuments(yamlText).map((d) => d.toJS() as Json).filter((d) => d !== null);
}

const fixture = (relative: string) => path.join(corpusDir, relative);
const read = (relative: string) => fs.readFileSync(fixture(relative), 'utf8');

describe('sinew inject', () => {
  it('reads standard input and, by default, only asks the webhook to inject', async () => {
    const { code, stdout, stderr } = await run(injectCommand, ['-'], read('apps/web-deployment.yaml'));
    assert.equal(code, 0);
    const [deployment] = documents(stdout);
    assert.ok(deployment !== undefined);
    assert.equal(((templateOf(deployment)['metadata'] as Json)['annotations'] as Json)['linkerd.io/inject'], 'enabled');
    assert.deepEqual(containersOf(deployment).map((c) => c.name), ['web']);
    assert.equal(stderr, '\ndeployment "web" injected\n\n');
  });

  it('walks a directory recursively, reading *.yaml, *.yml and *.json only, in name order', async () => {
    const { code, stdout, stderr } = await run(injectCommand, ['--manual', fixture('nested')]);
    assert.equal(code, 0, stderr);
    assert.deepEqual(documents(stdout).map((d) => (d['metadata'] as Json)['name']), ['session-cache', 'ingress-gateway']);
    for (const document of documents(stdout)) assert.equal(containersOf(document, 'initContainers')[1]?.name, 'linkerd-proxy');
    assert.match(stderr, /deployment "session-cache" injected\ndeployment "ingress-gateway" injected\n/);
  });

  it('keeps a List a List and injects its items', async () => {
    const { code, stdout } = await run(injectCommand, ['--manual', fixture('apps/kubectl-get-list.yaml')]);
    assert.equal(code, 0);
    const [list, ...rest] = documents(stdout);
    assert.equal(rest.length, 0);
    assert.equal(list?.['kind'], 'List');
    const [deployment, service] = list?.['items'] as Json[];
    assert.ok(deployment !== undefined && service !== undefined);
    assert.equal(containersOf(deployment, 'initContainers')[1]?.name, 'linkerd-proxy');
    assert.equal(envValue(containersOf(deployment, 'initContainers')[1] as Json, 'LINKERD2_PROXY_INBOUND_PORTS'), '8080,8801');
    assert.deepEqual(service, (documents(read('apps/kubectl-get-list.yaml'))[0]?.['items'] as Json[])[1]);
  });

  it('names a bad document (not YAML, not an object, no containers, no apiVersion) and still prints the good ones', async () => {
    const { code, stdout, stderr } = await run(injectCommand, [fixture('invalid/mixed.yaml'), fixture('invalid/not-yaml.yaml'), fixture('batch/migrate-job.yaml')]);
    assert.equal(code, 1);
    assert.deepEqual(documents(stdout).map((d) => (d['metadata'] as Json)['name']), ['good-one', 'good-two', 'db-migrate-20260112']);
    const errors = stderr.split('\n').filter((line) => line.startsWith('error: '));
    assert.deepEqual(errors.map((line) => line.replace(corpusDir, 'FIXTURES')), [
      'error: FIXTURES/invalid/mixed.yaml: document 2: not a Kubernetes object (a YAML string)',
      'error: FIXTURES/invalid/mixed.yaml: document 3: spec.template.spec.containers: Invalid input: expected array, received undefined',
      'error: FIXTURES/invalid/mixed.yaml: document 4: apiVersion: Invalid input: expected string, received undefined',
      errors[3]?.replace(corpusDir, 'FIXTURES') ?? '',
    ]);
    assert.match(errors[3] ?? '', /invalid\/not-yaml\.yaml: document 1: not YAML: /);
    assert.match(stderr, /deployment "good-one" injected\nservice "good-two" skipped: this resource kind is unsupported\njob "db-migrate-20260112" injected\n/);
  });

  it('prints JSON with -o json', async () => {
    const { code, stdout } = await run(injectCommand, ['-o', 'json', '--manual', fixture('apps/debug-pod.yaml')]);
    assert.equal(code, 0);
    const pod = JSON.parse(stdout) as Json;
    assert.equal(pod['kind'], 'Pod');
    assert.equal(containersOf(pod, 'initContainers')[0]?.name, 'linkerd-init');
    const two = await run(injectCommand, ['-o', 'json', fixture('apps/replicaset-and-rc.yaml')]);
    assert.deepEqual(two.stdout.trimEnd().split(/\n(?=\{)/).map((text) => (JSON.parse(text) as Json)['kind']), ['ReplicaSet', 'ReplicationController']);
  });

  it('writes the classic layout with --native-sidecar=false or --no-native-sidecar', async () => {
    for (const flag of ['--native-sidecar=false', '--no-native-sidecar']) {
      const { stdout } = await run(injectCommand, ['--manual', flag, fixture('apps/web-deployment.yaml')]);
      const [deployment] = documents(stdout);
      assert.deepEqual(containersOf(deployment as Json).map((c) => c.name), ['linkerd-proxy', 'web'], flag);
    }
    const native = await run(injectCommand, ['--manual', '--native-sidecar', fixture('apps/web-deployment.yaml')]);
    assert.equal(containersOf(documents(native.stdout)[0] as Json, 'initContainers')[1]?.name, 'linkerd-proxy');
  });

  it('turns the proxy flags into config annotations for the webhook, and into the sidecar with --manual', async () => {
    const flags = ['--proxy-log-level', 'debug', '--skip-outbound-ports', '443', '--default-inbound-policy', 'deny', '--native-sidecar=false'];
    const annotated = documents((await run(injectCommand, [...flags, fixture('apps/debug-pod.yaml')])).stdout)[0] as Json;
    assert.deepEqual((annotated['metadata'] as Json)['annotations'], {
      'config.linkerd.io/proxy-log-level': 'debug', 'config.linkerd.io/skip-outbound-ports': '443',
      'config.linkerd.io/default-inbound-policy': 'deny', 'config.beta.linkerd.io/proxy-enable-native-sidecar': 'false', 'linkerd.io/inject': 'enabled',
    });
    const manual = documents((await run(injectCommand, ['--manual', ...flags, '--proxy-image', 'example.com/sinew', '--proxy-version', 'dev', fixture('apps/debug-pod.yaml')])).stdout)[0] as Json;
    const proxy = containersOf(manual)[0] as Json;
    assert.equal(proxy['image'], 'example.com/sinew:dev');
    assert.equal(envValue(proxy, 'LINKERD2_PROXY_LOG'), 'debug,[{headers}]=off,[{request}]=off');
    assert.equal(envValue(proxy, 'LINKERD2_PROXY_INBOUND_DEFAULT_POLICY'), 'deny');
    assert.equal(((manual['metadata'] as Json)['annotations'] as Json)['config.linkerd.io/proxy-log-level'], undefined, '--manual bakes flags in');
  });

  it('refuses a flag value it cannot use, naming the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['--admin-port', '99999'], /^--admin-port: "99999" is not a port number/],
      [['--default-inbound-policy', 'allow'], /^--default-inbound-policy: "allow" is not all-unauthenticated/],
      [['--native-sidecar=maybe'], /^--native-sidecar must be true or false/],
      [['-o', 'xml'], /^--output must be one of yaml, json/],
      [['--linkerd-namespace', 'Not_A_Label'], /^--linkerd-namespace must be a DNS label/],
      [['--identity-trust-anchors-file', fixture('apps/debug-pod.yaml')], /not a PEM certificate bundle/],
      [[], /name at least one input/],
    ];
    for (const [args, message] of cases) {
      await assert.rejects(run(injectCommand, [...args, ...(args.length > 0 ? ['-'] : [])]), (error: unknown) => error instanceof UsageError && message.test(error.message), args.join(' '));
    }
  });

  it('writes the trust anchors it is given, and warns when --manual has none', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinew-inject-'));
    try {
      const pem = '-----BEGIN CERTIFICATE-----\nMIIBxyz\n-----END CERTIFICATE-----\n';
      fs.writeFileSync(path.join(dir, 'ca.crt'), pem);
      const withAnchors = await run(injectCommand, ['--manual', '--identity-trust-anchors-file', path.join(dir, 'ca.crt'), fixture('apps/debug-pod.yaml')]);
      assert.equal(envValue(containersOf(documents(withAnchors.stdout)[0] as Json, 'initContainers')[1] as Json, 'LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS'), pem);
      assert.doesNotMatch(withAnchors.stderr, /warning/);
      const without = await run(injectCommand, ['--manual', fixture('apps/debug-pod.yaml')]);
      assert.match(without.stderr, /^warning: without --identity-trust-anchors-file the proxies read their trust anchors from the linkerd-identity-trust-roots ConfigMap/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports like Linkerd: warnings, then one line per object with the reasons it was skipped', async () => {
    const files = ['platform/node-exporter-daemonset.yaml', 'platform/legacy-db-disabled.yaml', 'platform/coredns-udp.yaml', 'platform/istio-sidecar.yaml', 'platform/namespace-annotated.yaml'];
    const { code, stderr } = await run(injectCommand, ['--manual', ...files.map(fixture)]);
    assert.equal(code, 0);
    assert.match(stderr, /\n\n‼ "hostNetwork: true" detected in daemonset\/node-exporter\n‼ known 3rd party sidecar detected in deployment\/reviews\n‼ "linkerd.io\/inject: disabled" annotation set on deployment\/legacy-db\n‼ deployment\/dns-cache uses "protocol: UDP"\n\n/);
    assert.match(stderr, /daemonset "node-exporter" skipped: hostNetwork is enabled\n/);
    assert.match(stderr, /deployment "legacy-db" skipped: pod has the annotation "linkerd.io\/inject:disabled"\n/);
    assert.match(stderr, /deployment "dns-cache" injected\n/);
    assert.match(stderr, /deployment "reviews" skipped: pod has a sidecar injected already\n/);
    assert.match(stderr, /namespace "payments" injected\n\n$/);
    const nothing = await run(injectCommand, [fixture('platform/node-exporter-daemonset.yaml')]);
    assert.match(nothing.stderr, /‼ no supported objects found\n/);
  });

  it('re-injects what Linkerd injected, so injecting twice is injecting once', async () => {
    const once = await run(injectCommand, ['--manual', fixture('apps/linkerd-injected.yaml')]);
    assert.match(once.stderr, /deployment "vote-bot" injected/);
    const [deployment] = documents(once.stdout);
    assert.deepEqual(containersOf(deployment as Json).map((c) => c.name), ['vote-bot']);
    assert.equal(containersOf(deployment as Json, 'initContainers')[1]?.['image'], containersOf(deployment as Json, 'initContainers')[0]?.['image']);
    const twice = await run(injectCommand, ['--manual', '-'], once.stdout);
    assert.equal(twice.stdout, once.stdout);
  });

  it('fetches http(s) URLs, and names a URL that fails without stopping the others', async () => {
    const server = http.createServer((request, response) => {
      if (request.url === '/web.yaml') response.end(read('apps/web-deployment.yaml'));
      else if (request.url === '/slow.yaml') setTimeout(() => response.end(read('apps/debug-pod.yaml')), 2000).unref();
      else response.writeHead(404, 'Not Found').end('no');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const { code, stdout, stderr } = await run(injectCommand, [`${base}/web.yaml`, `${base}/missing.yaml`, `${base}/slow.yaml`, 'ftp://example.com/x.yaml', 'https://', fixture('apps/debug-pod.yaml')], '', { fetchTimeoutMs: 300 });
      assert.equal(code, 1);
      assert.deepEqual(documents(stdout).map((d) => (d['metadata'] as Json)['name']), ['web', 'netshoot']);
      assert.match(stderr, new RegExp(`error: ${base}/missing.yaml: HTTP 404 Not Found\n`));
      assert.match(stderr, new RegExp(`error: ${base}/slow.yaml: cannot fetch: no answer within 0.3 s\n`));
      assert.match(stderr, /error: ftp:\/\/example.com\/x.yaml: unsupported URL scheme "ftp" \(use https:\/\/\)\n/);
      assert.match(stderr, /error: https:\/\/: not a valid URL\n/);
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const closedPort = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const unreachable = await run(injectCommand, [`http://127.0.0.1:${closedPort}/x.yaml`]);
      assert.match(unreachable.stderr, new RegExp(`error: http://127.0.0.1:${closedPort}/x.yaml: cannot fetch: .*ECONNREFUSED`));
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('names an input that does not exist', async () => {
    const { code, stderr } = await run(injectCommand, [fixture('no-such-file.yaml')]);
    assert.equal(code, 1);
    assert.match(stderr, /no-such-file.yaml: no such file or directory\n/);
  });

  it('prints its help', async () => {
    const { code, stdout } = await run(injectCommand, ['--help']);
    assert.equal(code, 0);
    assert.equal(stdout, injectHelp);
    assert.match(injectHelp, /--proxy-log-level VALUE/);
  });
});

describe('sinew uninject', () => {
  it('takes out what Linkerd injected and reports it', async () => {
    const { code, stdout, stderr } = await run(uninjectCommand, [fixture('apps/linkerd-injected.yaml'), fixture('apps/web-deployment.yaml')]);
    assert.equal(code, 0);
    const [voteBot, web] = documents(stdout);
    const template = templateOf(voteBot as Json);
    assert.deepEqual(template, {
      metadata: { labels: { app: 'vote-bot' } },
      spec: { containers: [containersOf(documents(read('apps/linkerd-injected.yaml'))[0] as Json)[1]] },
    });
    assert.deepEqual(web, documents(read('apps/web-deployment.yaml'))[0]);
    assert.equal(stderr, '\ndeployment "vote-bot" uninjected\ndeployment "web" skipped\n\n');
  });

  it('gives back every manifest of the corpus that --manual injected, document for document', async () => {
    const files = fs.readdirSync(corpusDir, { recursive: true, encoding: 'utf8' })
      .filter((file) => /\.(ya?ml|json)$/.test(file) && !file.startsWith('invalid'));
    assert.ok(files.length >= 15);
    for (const file of files) {
      for (const layout of ['--native-sidecar', '--native-sidecar=false']) {
        const injected = await run(injectCommand, ['--manual', layout, fixture(file)]);
        const back = await run(uninjectCommand, ['-'], injected.stdout);
        const plain = await run(uninjectCommand, [fixture(file)]);
        assert.equal(back.code, 0);
        assert.deepStrictEqual(documents(back.stdout), documents(plain.stdout), `${file} ${layout}`);
        const meshed = /linkerd\.io\/inject: (enabled|ingress)|name: linkerd-proxy/.test(read(file));
        if (!meshed) assert.deepStrictEqual(documents(plain.stdout), documents(read(file)), file);
      }
    }
  });

  it('prints JSON with -o json, and its help', async () => {
    const { stdout } = await run(uninjectCommand, ['-o', 'json', fixture('apps/debug-pod.yaml')]);
    assert.equal((JSON.parse(stdout) as Json)['kind'], 'Pod');
    assert.equal((await run(uninjectCommand, ['-h'])).stdout, uninjectHelp);
    await assert.rejects(run(uninjectCommand, []), UsageError);
  });
});
