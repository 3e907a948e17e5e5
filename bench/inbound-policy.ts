/**
 * Inbound policy at scale: 10,000 pods × 3 ports across 20 namespaces, 500 Servers and 1,000
 * authorization resources (500 AuthorizationPolicies, 250 MeshTLSAuthentications, 150
 * NetworkAuthentications, 100 ServerAuthorizations).
 *
 * How: each run builds a fresh in-memory engine with only the inbound reconciler, applies every
 * object to its store (projected as the informers would), and times:
 * - full: `loop.reconcileAll()`, which reconciles every pod's view from scratch, commits and
 *   publishes (every view is new, so every one is written);
 * - incremental: `loop.process()` of one AuthorizationPolicy changing its required authentication,
 *   which applies it, finds the pods it affects, reconciles them and commits; measured for five
 *   different policies per run, median taken.
 * Reference for full: a structuredClone of every stored object (the cost of touching each object
 * once). Reference for incremental: the same run's full reconcile.
 */
import { keyOf, resourceId } from '../src/informers/kind.js';
import type { ObjectChange } from '../src/informers/event.js';
import { allKinds } from '../src/informers/kinds/index.js';
import type { ProjectedObject } from '../src/informers/object.js';
import { project } from '../src/informers/projection.js';
import { silentLogger } from '../src/observe/logger.js';
import { inboundPolicyReconciler } from '../src/reconcilers/inbound-policy.js';
import { defaultMeshConfig } from '../src/reconcilers/mesh-config.js';
import { createEngine } from '../src/streams/engine.js';
import { kindOf } from '../test/support/policy-cluster.js';
import {
  annotatedNamespace, authorizationPolicy, meshedPod, meshTlsAuthentication, meshTlsRef, networkAuthentication, networkRef, server,
  serverAuthorization, serverTarget,
} from '../test/support/policy-objects.js';
import type { BenchResult } from './bench-result.js';
import { formatNumber, median } from './stats.js';

const runs = 5;
const namespaces = 20;
const podsPerNamespace = 500;
const appsPerNamespace = 50;
const serversPerNamespace = 25;
type Json = Record<string, unknown>;

function cluster(): Json[] {
  const objects: Json[] = [];
  for (let n = 0; n < namespaces; n++) {
    const ns = `team-${n}`;
    objects.push(annotatedNamespace(ns, n % 4 === 0 ? { 'config.linkerd.io/default-inbound-policy': 'cluster-authenticated' } : {}));
    for (let p = 0; p < podsPerNamespace; p++) {
      const app = `app-${p % appsPerNamespace}`;
      objects.push(meshedPod(ns, `${app}-${p}`, { ip: `10.${n}.${Math.floor(p / 250)}.${p % 250}`, labels: { app }, serviceAccount: app, ports: { http: 8080, admin: 9990, metrics: 9102 } }));
    }
    for (let s = 0; s < serversPerNamespace; s++) {
      objects.push(server(ns, `app-${s}-${s % 2 === 0 ? 'http' : 'admin'}`, { podSelector: { matchLabels: { app: `app-${s}` } }, port: s % 2 === 0 ? 'http' : 'admin', proxyProtocol: 'HTTP/1' }));
      objects.push(authorizationPolicy(ns, `app-${s}-policy`, serverTarget(`app-${s}-${s % 2 === 0 ? 'http' : 'admin'}`),
        s < 15 ? [meshTlsRef(`clients-${s % 12}`)] : [networkRef(`nets-${s % 8}`)]));
    }
    for (let m = 0; m < 12; m++) objects.push(meshTlsAuthentication(ns, `clients-${m}`, { identities: [`app-${m}.${ns}.serviceaccount.identity.linkerd.cluster.local`, `*.ops.serviceaccount.identity.linkerd.cluster.local`] }));
    if (n < 10) objects.push(meshTlsAuthentication(ns, 'clients-12', { identities: ['*'] }));
    for (let w = 0; w < 8; w++) objects.push(networkAuthentication(ns, `nets-${w}`, [{ cidr: `10.${w}.0.0/16`, except: [`10.${w}.9.0/24`] }]));
    if (n < 10) objects.push(networkAuthentication(ns, 'nets-8', [{ cidr: '192.168.0.0/16' }]));
    for (let a = 0; a < 5; a++) objects.push(serverAuthorization(ns, `legacy-${a}`, { server: { name: `app-${a}-${a % 2 === 0 ? 'http' : 'admin'}` }, client: { meshTLS: { serviceAccounts: [{ name: 'legacy' }] } } }));
  }
  return objects;
}

function changes(objects: readonly Json[]): ObjectChange[] {
  return objects.map((raw, index) => {
    const spec = kindOf(raw);
    const withVersion = { ...raw, metadata: { ...(raw.metadata as Json), resourceVersion: String(index + 1) } };
    const projected = project(spec, withVersion);
    if (!projected.ok) throw new Error(`benchmark object does not project: ${projected.error}`);
    const resource = resourceId(spec);
    return { type: 'ADDED', resource, key: keyOf(resource, projected.object), object: projected.object };
  });
}

interface RunResult {
  readonly fullMs: number;
  readonly cloneMs: number;
  readonly incrementalMs: number;
  readonly views: number;
  readonly affected: number;
}

async function once(added: readonly ObjectChange[]): Promise<RunResult> {
  const engine = await createEngine({ storeDir: undefined, kinds: allKinds, reconcilers: [inboundPolicyReconciler(defaultMeshConfig)], log: silentLogger });
  await engine.settled;
  engine.store.apply(added);
  engine.store.commit();
  const cloneStart = performance.now();
  let cloned = 0;
  for (const change of added) cloned += structuredClone(change.object as ProjectedObject).metadata.name.length;
  const cloneMs = performance.now() - cloneStart;
  if (cloned === 0) throw new Error('nothing cloned');
  const fullStart = performance.now();
  const updates = engine.loop.reconcileAll();
  const fullMs = performance.now() - fullStart;
  const incremental: number[] = [];
  let affected = 0;
  for (let i = 0; i < 5; i++) {
    const ns = `team-${i * 3}`;
    const raw = authorizationPolicy(ns, `app-${i}-policy`, serverTarget(`app-${i}-${i % 2 === 0 ? 'http' : 'admin'}`), [networkRef('nets-1')]);
    const [change] = changes([raw]);
    if (change === undefined) throw new Error('no change');
    const modified: ObjectChange = { ...change, type: 'MODIFIED', object: { ...change.object, metadata: { ...change.object.metadata, resourceVersion: `9${i}000000` } } };
    const start = performance.now();
    affected += engine.loop.process([modified]).length;
    incremental.push(performance.now() - start);
  }
  await engine.close();
  return { fullMs, cloneMs, incrementalMs: median(incremental), views: updates.length, affected: affected / 5 };
}

export async function runInboundPolicy(): Promise<BenchResult[]> {
  const added = changes(cluster());
  const results: RunResult[] = [];
  for (let run = 0; run < runs; run++) results.push(await once(added));
  const full = results.map((result) => result.fullMs);
  const incremental = results.map((result) => result.incrementalMs);
  const first = results[0];
  const shape = `${namespaces * podsPerNamespace} pods × 3 ports, ${namespaces * serversPerNamespace} Servers, 1,000 authorization resources`;
  return [{
    name: 'inbound-full',
    title: `Inbound policy: full reconcile (${shape})`,
    command: 'npm run bench -- inbound',
    result: { label: 'full reconcile', unit: 'ms', runs: full, digits: 0 },
    reference: { label: 'structuredClone of every object', unit: 'ms', runs: results.map((result) => result.cloneMs), digits: 0 },
    ratioLabel: 'Sinew / clone',
    goal: { text: 'under 5 s (ours; the issue sets none)', met: median(full) < 5000 },
    details: [
      `${first?.views ?? 0} views written per full reconcile; ${added.length} objects in the store.`,
      `Per pod: ${formatNumber(median(full) / (namespaces * podsPerNamespace), 3)} ms.`,
    ],
  }, {
    name: 'inbound-incremental',
    title: 'Inbound policy: re-reconcile after one AuthorizationPolicy changes',
    command: 'npm run bench -- inbound',
    result: { label: 'one policy change', unit: 'ms', runs: incremental, digits: 1 },
    reference: { label: 'full reconcile (same run)', unit: 'ms', runs: full, digits: 0 },
    ratioLabel: 'change / full',
    goal: { text: 'under 50 ms (ours; the issue sets none)', met: median(incremental) < 50 },
    details: [`Each change rewrites the views of the ${formatNumber(median(results.map((result) => result.affected)), 0)} pods its Server selects (median).`],
  }];
}
