/**
 * `sinew control-plane`: the composition root of the control-plane process.
 *
 * Builds the engine (store, reconcilers, hub), its event source (informers against the API
 * server, or an event log), the optional recorder and the admin server, and runs until SIGINT or
 * SIGTERM. With a replay source it keeps serving the final state after the log ends.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { map, type Observable, share, tap } from 'rxjs';
import { kubeApiClient } from '../informers/api-client.js';
import { EventLogWriter } from '../informers/event-log.js';
import { changesOf } from '../informers/event.js';
import { informers } from '../informers/informers.js';
import { allKinds } from '../informers/kinds/index.js';
import { replaySource, type TimedEvent } from '../informers/replay-source.js';
import { createLogger, type Logger, type LogLevel } from '../observe/logger.js';
import { createEngineMetrics, type EngineMetrics } from '../observe/metrics.js';
import type { Store } from '../store/store.js';
import { allReconcilers } from '../reconcilers/index.js';
import { startAdminServer } from '../streams/admin-server.js';
import { createEngine } from '../streams/engine.js';
import { startPipeline } from '../streams/pipeline.js';
import { address, oneOf, parse } from './args.js';
import type { CommandIo } from './command-io.js';
import { UsageError } from './usage-error.js';

export const controlPlaneHelp = `Usage: sinew control-plane [flags]

Runs the control plane: informers list and watch the Kubernetes API (or an event log is
replayed), the store indexes what they deliver, reconcilers compute views, and subscribers are
streamed snapshots and diffs.

Flags:
      --source SOURCE       kube (default) or replay:FILE
      --kubeconfig FILE     kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, or in-cluster)
      --store DIR           LMDB store directory; a restart resumes from it (default: in memory)
      --record FILE         append every event the informers deliver to FILE (an event log)
      --admin-addr ADDR     admin server: /live /ready /metrics /views (default 0.0.0.0:9996)
      --log-level LEVEL     debug, info (default), warn or error
      --log-format FORMAT   plain (default) or json
  -h, --help                show this help
`;

export async function controlPlaneCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(argv, {
    source: { type: 'string' }, kubeconfig: { type: 'string' }, store: { type: 'string' }, record: { type: 'string' },
    'admin-addr': { type: 'string' }, 'log-level': { type: 'string' }, 'log-format': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.out(controlPlaneHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const level = oneOf<LogLevel>('--log-level', values['log-level'], ['debug', 'info', 'warn', 'error'], 'info');
  const format = oneOf('--log-format', values['log-format'], ['plain', 'json'] as const, 'plain');
  const admin = address('--admin-addr', values['admin-addr'] ?? '0.0.0.0:9996');
  const source = values.source ?? 'kube';
  if (source !== 'kube' && !source.startsWith('replay:')) throw new UsageError(`--source must be kube or replay:FILE; got ${JSON.stringify(source)}`);
  if (source.startsWith('replay:') && values.record !== undefined) throw new UsageError('--record records informers; it cannot be used with a replay source');

  const log = createLogger({ level, format: format === 'json' ? 'json' : 'logfmt', write: (line) => io.err(line + '\n') });
  const metrics = createEngineMetrics();
  const engine = await createEngine({ storeDir: values.store, kinds: allKinds, reconcilers: allReconcilers, log, metrics });
  const events = eventSource(source, values.kubeconfig, engine.store, log, metrics);
  const recorder = values.record === undefined ? undefined : new EventLogWriter(values.record);
  const pipeline = startPipeline({
    source: recorder === undefined ? events : events.pipe(tap((timed) => recorder.write(changesOf(timed.event)))),
    loop: engine.loop,
    batching: source === 'kube' ? { kind: 'time', maxMs: 5, maxEvents: 2000 } : { kind: 'each' },
  });
  const server = await startAdminServer({
    address: admin.host, port: admin.port, registry: metrics.registry, hub: engine.hub,
    view: (key) => engine.store.getView(key), viewKeys: () => engine.store.viewKeys(),
    ready: () => engine.store.view.synced(), log,
  });
  log.info('control plane started', { source, admin: `${admin.host}:${server.port}`, store: values.store ?? '(memory)' });

  const stopped = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const failed = pipeline.done.then(() => {
    log.info('event log replayed; serving its final state');
    return new Promise<string>(() => undefined);
  });
  let status = 0;
  try {
    const signal = await Promise.race([stopped, failed]);
    log.info('shutting down', { signal });
  } catch (error) {
    log.error('event source failed', { error: (error as Error).message });
    status = 1;
  }
  pipeline.stop();
  await server.close();
  await engine.close();
  recorder?.close();
  return status;
}

function eventSource(source: string, kubeconfig: string | undefined, store: Store, log: Logger,
  metrics: EngineMetrics): Observable<TimedEvent> {
  if (source.startsWith('replay:')) return replaySource({ file: source.slice('replay:'.length), kinds: allKinds, log });
  const config = new KubeConfig();
  if (kubeconfig !== undefined) config.loadFromFile(kubeconfig);
  else config.loadFromDefault();
  return informers({
    client: kubeApiClient(config),
    kinds: allKinds,
    seed: (resource) => store.seed(resource),
    log,
    metrics,
    awaitCapacity: () => (store.backlog() > 16 ? store.flushed() : undefined),
  }).pipe(map((event) => ({ at: undefined, event })), share());
}
