import assert from 'node:assert/strict';
import { checkHelp } from '../../src/cli/check.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { runCheck, startCluster, type TestCluster } from './check-harness.js';

describe('sinew check (the command)', function () {
  this.timeout(30_000);
  let cluster: TestCluster;
  let kubeconfig: string;

  beforeEach(async () => {
    cluster = await startCluster();
    kubeconfig = cluster.kubeconfig;
  });
  afterEach(() => cluster.stop());

  it('refuses command lines it cannot run, naming the flag', async () => {
    await assert.rejects(runCheck(['--pre', '--proxy']), new UsageError('--pre and --proxy cannot be used together'));
    await assert.rejects(runCheck(['--crds', '--pre']), /--pre and --crds cannot be used together/);
    await assert.rejects(runCheck(['-o', 'yaml']), new UsageError('--output must be one of table, json, short; got "yaml"'));
    await assert.rejects(runCheck(['--wait', 'soon']), /--wait must be a duration/);
    await assert.rejects(runCheck(['extra']), /unexpected argument "extra"/);
    await assert.rejects(runCheck(['-L', 'Linkerd_NS']), new UsageError('--linkerd-namespace must be a DNS label; got "Linkerd_NS"'));
    await assert.rejects(runCheck(['--proxy', '-n', 'shop/web']), /--namespace must be a DNS label/);
    assert.deepEqual(await runCheck(['--help']), { code: 0, out: checkHelp });
  });

  it('runs the pre-installation checks and prints the table with the status line', async () => {
    const { code, out } = await runCheck(['--pre', '--kubeconfig', kubeconfig]);
    assert.equal(code, 0, out);
    assert.match(out, /^kubernetes-api\n--------------\n√ can initialize the client\n√ can query the Kubernetes API\n\nkubernetes-version\n/);
    assert.match(out, /\npre-kubernetes-setup\n-+\n√ control plane namespace does not already exist\n/);
    assert.match(out, /\n\nStatus check results are √\n$/);
  });

  it('prints JSON with -o json and only the status line with -o short when all passes', async () => {
    const json = await runCheck(['--pre', '--kubeconfig', kubeconfig, '-o', 'json']);
    const parsed = JSON.parse(json.out) as { success: boolean; categories: { categoryName: string; checks: { result: string }[] }[] };
    assert.equal(parsed.success, true);
    assert.deepEqual(parsed.categories.map((c) => c.categoryName), ['kubernetes-api', 'kubernetes-version', 'pre-kubernetes-setup']);
    assert.ok(parsed.categories.every((c) => c.checks.every((check) => check.result === 'success')));
    assert.deepEqual(await runCheck(['--pre', '--kubeconfig', kubeconfig, '--output', 'short']), { code: 0, out: 'Status check results are √\n' });
  });

  it('exits 1 and prints the failure with its hint when a check fails', async () => {
    cluster.api.create('namespaces', { metadata: { name: 'linkerd' } });
    const { code, out } = await runCheck(['--pre', '--kubeconfig', kubeconfig, '-o', 'short']);
    assert.equal(code, 1);
    assert.equal(out, [
      'pre-kubernetes-setup',
      '--------------------',
      '× control plane namespace does not already exist',
      '    The "linkerd" namespace already exists',
      '    see https://linkerd.io/2/checks/#pre-ns for hints',
      'Status check results are ×',
      '',
    ].join('\n'));
  });

  it('checks another control-plane namespace with -L, and reports a missing one as such', async () => {
    const { code, out } = await runCheck(['--kubeconfig', kubeconfig, '-L', 'mesh', '--wait', '0s']);
    assert.equal(code, 1);
    assert.match(out, /\nlinkerd-config\n-+\n× control plane Namespace exists\n {4}The "mesh" namespace does not exist\n {4}see https:\/\/linkerd\.io\/2\/checks\/#l5d-existence-ns for hints\n\nStatus check results are ×\n$/);
  });

  it('fails the first check when the kubeconfig context does not exist', async () => {
    const { code, out } = await runCheck(['--kubeconfig', kubeconfig, '--context', 'nope']);
    assert.equal(code, 1);
    assert.match(out, /^kubernetes-api\n-+\n× can initialize the client\n {4}context "nope" does not exist in the kubeconfig \(it has sinew-fake\)\n {4}see https:\/\/linkerd\.io\/2\/checks\/#k8s-api for hints\n/);
  });
});
