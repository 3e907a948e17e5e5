/**
 * The viz metrics commands refuse command lines they cannot run, with exit code 2 and a message
 * naming the flag or argument, before reaching any server.
 */
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main.js';

async function run(argv: readonly string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await main(argv, { out: () => undefined, err: (text) => { err += text; } });
  return { code, err };
}

describe('viz metrics command lines', () => {
  for (const [argv, message] of [
    [['viz', 'metrics-api', '--prometheus-url', 'prometheus:9090'], /--prometheus-url must be an http or https URL/],
    [['viz', 'metrics-api', '--source', 'etcd'], /--source must be kube or replay:FILE; got "etcd"/],
    [['viz', 'metrics-api', '--prometheus-url', 'http://p:9090', '--scrape-interval', '5s'], /--scrape-interval is for embedded scraping/],
    [['viz', 'metrics-api', '--addr', 'nowhere'], /--addr must be HOST:PORT/],
    [['viz', 'stat', 'deploy', '-t', 'soon', '--api-addr', 'http://127.0.0.1:9'], /--time-window: must be a duration/],
    [['viz', 'stat', 'deploy', '--to', 'deploy/a', '--from', 'deploy/b', '--api-addr', 'http://127.0.0.1:9'], /--to and --from are mutually exclusive/],
    [['viz', 'stat', 'deploy', '-A', '-n', 'shop', '--api-addr', 'http://127.0.0.1:9'], /--all-namespaces and --namespace are mutually exclusive/],
    [['viz', 'stat', 'deploys/web', '--api-addr', 'http://127.0.0.1:9'], /unknown resource type "deploys"/],
    [['viz', 'stat', 'deploy', '-o', 'yaml', '--api-addr', 'http://127.0.0.1:9'], /--output must be one of table, wide, json/],
    [['viz', 'routes', 'deploy/a', 'deploy/b', '--api-addr', 'http://127.0.0.1:9'], /routes takes one resource/],
    [['viz', 'edges', 'svc', '--api-addr', 'http://127.0.0.1:9'], /edges cannot be shown for "svc"/],
  ] as const) {
    it(`refuses ${argv.slice(1).join(' ')}`, async () => {
      const { code, err } = await run(argv);
      assert.equal(code, 2, err);
      assert.match(err, message);
    });
  }

  it('fails with exit code 1 naming the address when the metrics API cannot be reached', async () => {
    const { code, err } = await run(['viz', 'stat', 'deploy', '-n', 'shop', '--api-addr', 'http://127.0.0.1:9']);
    assert.equal(code, 1);
    assert.match(err, /cannot reach http:\/\/127\.0\.0\.1:9/);
  });
});
