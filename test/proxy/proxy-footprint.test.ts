/**
 * What `sinew proxy` loads at start. Every module a proxy loads stays in its memory for the life of
 * the pod, so the proxy command must not reach the control plane's or the CLI's heavy packages: the
 * Kubernetes client alone added about 65 MB to each proxy's RSS when `sinew version`'s module
 * carried the version string the proxy logs.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { staticModuleGraph } from '../support/module-graph.js';

const proxyCommand = fileURLToPath(new URL('../../src/cli/proxy.js', import.meta.url));

describe('what sinew proxy loads', () => {
  const graph = staticModuleGraph(proxyCommand);

  it('reaches the proxy\'s modules (the graph is followed)', () => {
    assert.ok([...graph.modules].some((file) => file.endsWith('/src/proxy/proxy.js')), 'src/proxy/proxy.js is in the graph');
    assert.ok(graph.packages.has('@grpc/grpc-js'), 'the proxy talks gRPC to the control plane');
  });

  it('loads no control-plane or CLI package: not the Kubernetes client, LMDB, YAML, zod or the manifests', () => {
    const forbidden = ['@kubernetes/client-node', 'lmdb', 'yaml', 'js-yaml', 'zod', 'ws', 'node-forge'];
    const found = forbidden.filter((name) => graph.packages.has(name)).map((name) => `${name} (imported by ${graph.packages.get(name)?.join(', ')})`);
    assert.deepEqual(found, []);
    const controlPlane = [...graph.modules].filter((file) => /\/src\/(store|install|check|inject|admission|demo)\//.test(file));
    assert.deepEqual(controlPlane, []);
  });
});
