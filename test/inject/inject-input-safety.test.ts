/**
 * What `sinew inject` writes means what its input meant to kubectl (YAML 1.1), and no single bad
 * input (an alias bomb, a dangling link, an endless download) stops the others or the process.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { injectCommand, type ManifestIo } from '../../src/cli/inject.js';
import { defaultMeshConfig, injectAdmittedPod } from '../../src/inject/index.js';

type Json = Record<string, unknown>;

async function inject(args: readonly string[], stdin = '', extra: Partial<ManifestIo> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await injectCommand(args, { out: (text) => { stdout += text; }, err: (text) => { stderr += text; }, readStdin: () => Promise.resolve(stdin), ...extra });
  return { code, stdout, stderr };
}

const deployment = (name: string, extra = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: shop}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: app
        image: example/app:1
        env:
        - {name: FEATURE, value: "yes"}
        - {name: SWITCH, value: "on"}
${extra}`;

describe('sinew inject input and output safety', () => {
  it('keeps meaning as kubectl reads YAML: octal modes stay octal, "yes" and "on" stay strings', async () => {
    const text = deployment('web', `      volumes:
      - name: config
        configMap: {name: web, defaultMode: 0644}
`);
    const { code, stdout } = await inject(['--manual', '-'], text);
    assert.equal(code, 0);
    const [object] = parseAllDocuments(stdout, { version: '1.1' }).map((document) => document.toJS() as Json);
    const spec = ((object?.spec as Json).template as Json).spec as { containers: { name: string; env?: { name: string; value: unknown }[] }[]; volumes: { name: string; configMap?: { defaultMode: number } }[] };
    const app = spec.containers.find((container) => container.name === 'app');
    assert.deepEqual(app?.env?.map((variable) => variable.value), ['yes', 'on'], 'strings, not booleans');
    assert.equal(spec.volumes.find((volume) => volume.name === 'config')?.configMap?.defaultMode, 0o644);
    assert.match(stdout, /value: "yes"/);
  });

  it('keeps linkerd.io/inject: ingress through inject, and --manual runs that proxy in ingress mode', async () => {
    const gateway = fs.readFileSync(path.resolve('test/fixtures/manifests/nested/gateway.yml'), 'utf8');
    const annotated = await inject(['-'], gateway);
    assert.match(annotated.stdout, /linkerd\.io\/inject: ingress/);
    const manual = await inject(['--manual', '-'], gateway);
    assert.match(manual.stdout, /name: LINKERD2_PROXY_INGRESS_MODE\n\s+value: "true"/);
  });

  it('never writes a pod the API server would refuse: a clashing volume name skips, an owner name over 63 characters is not a label', async () => {
    const clash = injectAdmittedPod({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'shop', annotations: { 'linkerd.io/inject': 'enabled' } },
      spec: { containers: [{ name: 'app', image: 'example/app:1' }], volumes: [{ name: 'linkerd-identity-token', emptyDir: {} }] },
    }, {}, { mesh: defaultMeshConfig(), createdBy: 'test' });
    assert.equal(clash.injected, false);
    assert.match(clash.injected ? '' : clash.reason, /sidecar_volume_name_taken/);
    const long = 'a'.repeat(70);
    const owned = injectAdmittedPod({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: `${long}-x`, namespace: 'shop', annotations: { 'linkerd.io/inject': 'enabled' }, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: long, uid: 'j', controller: true }] },
      spec: { containers: [{ name: 'app', image: 'example/app:1' }] },
    }, {}, { mesh: defaultMeshConfig(), createdBy: 'test' });
    assert.ok(owned.injected);
    const labels = (owned.pod.metadata as { labels: Record<string, string> }).labels;
    assert.ok(Object.values(labels).every((value) => value.length <= 63), JSON.stringify(labels));
    assert.equal(labels['linkerd.io/proxy-job'], undefined);
  });

  it('names an alias bomb and still injects the documents beside it', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]', 'f: [*e,*e,*e,*e,*e,*e,*e,*e,*e]'].join('\n');
    const { stdout, stderr } = await inject(['-'], `${deployment('before')}---\n${bomb}\n---\n${deployment('after')}`);
    const names = parseAllDocuments(stdout).map((document) => ((document.toJS() as Json).metadata as Json).name);
    assert.deepEqual(names, ['before', 'after']);
    assert.match(stderr, /document 2: not usable YAML/);
  });

  it('names a dangling link in a directory and reads the files beside it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinew-inject-links-'));
    try {
      fs.writeFileSync(path.join(dir, 'web.yaml'), deployment('web'));
      fs.symlinkSync(path.join(dir, 'gone.yaml'), path.join(dir, 'broken.yaml'));
      const { stdout, stderr } = await inject([dir]);
      assert.match(stdout, /name: web/);
      assert.match(stderr, /broken\.yaml: cannot read/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops reading a URL at the size limit even when the server declares no length', async () => {
    const server = http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/yaml' });
      const chunk = Buffer.alloc(64 * 1024, 0x23);
      let sent = 0;
      const pump = (): void => {
        while (sent < 64 && response.write(chunk)) sent += 1;
        if (sent < 64) response.once('drain', pump);
        else response.end();
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const { stderr } = await inject([`http://127.0.0.1:${port}/huge.yaml`], '', { maxUrlBytes: 256 * 1024 });
      assert.match(stderr, /larger than 262144 bytes/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
