/**
 * `sinew viz check --proxy` over real proxies: the viz world (test/support/viz-world.ts) runs a
 * control plane and Sinew proxies for two web pods and a curl pod in `shop`; the control plane and
 * viz are installed into its API server as their installs render them, viz's pods run (as objects;
 * no process serves their proxies), Debian's Prometheus scrapes with viz's configuration. Check
 * finds the shop proxies in Prometheus, warns (exit 0) naming the pods whose proxies it lacks, and
 * fails on a data plane namespace that does not exist.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { installCommand } from '../../src/cli/install.js';
import { vizInstallCommand } from '../../src/cli/viz-install.js';
import { ManifestApplier } from '../support/apply-manifests.js';
import { meshNamespace } from '../support/mesh-world.js';
import { startVizWorld, type VizWorld } from '../support/viz-world.js';
import { type ServiceProcess, runPodOf, runVizCheck, startMetricsApiProcess, startVizPrometheus } from './check-harness.js';

async function render(command: typeof installCommand, argv: readonly string[]): Promise<string> {
  let out = '';
  let err = '';
  const code = await command(argv, { out: (text) => { out += text; }, err: (text) => { err += text; } });
  assert.equal(code, 0, err);
  return out;
}

/** Whether Prometheus' last scrape of the pod's proxy failed. */
async function scrapeFailed(prometheus: ServiceProcess, pod: string): Promise<boolean> {
  const query = encodeURIComponent(`up{job="linkerd-proxy",pod="${pod}"}`);
  const answer = await (await fetch(`${prometheus.url}/api/v1/query?query=${query}`)).json() as { data: { result: { value: [number, string] }[] } };
  return answer.data.result[0]?.value[1] === '0';
}

describe('sinew viz check --proxy against real proxies scraped by Prometheus', function () {
  this.timeout(180_000);
  let world: VizWorld;
  let prometheus: ServiceProcess | undefined;
  let metricsApi: ServiceProcess | undefined;
  let kubeconfig: string;
  const addrs = (): string[] => ['--api-addr', metricsApi?.url ?? '', '--prometheus-addr', prometheus?.url ?? ''];

  before(async () => {
    world = await startVizWorld(0);
    kubeconfig = path.join(world.mesh.dir, 'kubeconfig');
    const applier = new ManifestApplier(world.mesh.api).registerBuiltinResources();
    const controlPlane = applier.apply(await render(installCommand, ['--ignore-cluster']));
    const viz = applier.apply(await render(vizInstallCommand, ['--kubeconfig', kubeconfig]));
    for (const deployment of [...controlPlane, ...viz].filter((o) => o.kind === 'Deployment')) runPodOf(world.mesh.api, deployment, world.mesh.trustAnchorsPem);
    prometheus = await startVizPrometheus(world.mesh.api, 'linkerd-viz', fs.mkdtempSync(path.join(world.mesh.dir, 'prometheus-')));
    metricsApi = await startMetricsApiProcess(kubeconfig, prometheus.url);
  });

  after(async () => {
    await metricsApi?.stop();
    await prometheus?.stop();
    await world?.close();
  });

  it('finds every shop proxy in Prometheus', async () => {
    const { code, out } = await runVizCheck(['--kubeconfig', kubeconfig, '--proxy', '-n', meshNamespace, '--wait', '60s', ...addrs()]);
    assert.equal(code, 0, out);
    assert.ok(out.includes('linkerd-viz-data-plane\n----------------------\n√ data plane namespace exists\n√ data plane proxy metrics are present in Prometheus\n'), out);
    assert.ok(!out.includes('‼') && !out.includes('×'), out);
  });

  it('warns, with exit code 0, naming the proxies Prometheus cannot scrape (the control plane\'s and viz\'s pods have no proxy process here)', async () => {
    const everywhere = await runVizCheck(['--kubeconfig', kubeconfig, '--proxy', '--wait', '0s', ...addrs()]);
    assert.equal(everywhere.code, 0, everywhere.out);
    assert.match(everywhere.out, /‼ data plane proxy metrics are present in Prometheus\n {4}Data plane metrics not found for linkerd-viz\/metrics-api-[^,]+, linkerd-viz\/prometheus-[^,]+, linkerd-viz\/tap-[^,]+, linkerd-viz\/web-[^,]+, linkerd\/linkerd-destination-[^,]+, linkerd\/linkerd-identity-[^,]+, linkerd\/linkerd-proxy-injector-[^,.]+\.\n {4}see https:\/\/linkerd\.io\/2\/checks\/#l5d-data-plane-prom for hints\n/);
    assert.ok(!everywhere.out.includes(`${meshNamespace}/`), everywhere.out);

    await world.proxies.get('web-2')?.kill();
    const deadline = Date.now() + 30_000;
    while (!(await scrapeFailed(prometheus as ServiceProcess, 'web-2')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    const { code, out } = await runVizCheck(['--kubeconfig', kubeconfig, '--proxy', '-n', meshNamespace, '--wait', '0s', ...addrs()]);
    assert.equal(code, 0, out);
    assert.ok(out.includes(`‼ data plane proxy metrics are present in Prometheus\n    Data plane metrics not found for ${meshNamespace}/web-2.\n`), out);
    await world.restartProxy('web-2');
  });

  it('fails, with its hint and exit code 1, for a data plane namespace that does not exist', async () => {
    const { code, out } = await runVizCheck(['--kubeconfig', kubeconfig, '--proxy', '-n', 'nowhere', ...addrs()]);
    assert.equal(code, 1);
    assert.ok(out.includes('× data plane namespace exists\n    The "nowhere" namespace does not exist\n    see https://linkerd.io/2/checks/#l5d-data-plane-exists for hints\n'), out);
  });
});
