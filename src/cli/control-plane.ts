/**
 * `sinew control-plane`: the composition root of the control-plane process.
 *
 * Runs the components `--components` names (default: destination). destination and policy share
 * one engine (store, reconcilers, hub) and its event source (informers against the API server, or
 * an event log), plus the optional recorder; destination serves Destination on its port, policy
 * serves InboundServerPolicies and OutboundPolicies on its own. With a replay source the process
 * keeps serving the final state after the log ends. The identity component
 * (control-plane-identity.ts) serves Certify. The admin server always runs; `/ready` is 200 once
 * every running component is ready. Runs until SIGINT or SIGTERM.
 */
import path from 'node:path';
import { type AdmissionServer, admissionWebhooks, startAdmissionServer } from '../admission/admission-server.js';
import { InjectorConfigError, injectorConfigFile } from '../admission/injector-config.js';
import { namespaceAnnotationsFrom } from '../admission/namespace-annotations.js';
import { proxyInjector } from '../admission/proxy-injector.js';
import type { Server } from '../informers/kinds/server.js';
import { createdBy, defaultMeshConfig as injectDefaults, injectAdmittedPod, type MeshConfig as InjectMeshConfig } from '../inject/index.js';
import { servers as serverResource } from '../reconcilers/inbound-server.js';
import { Registry } from 'prom-client';
import { map, type Observable, share, tap } from 'rxjs';
import { kubeApiClient } from '../informers/api-client.js';
import { loadKubeConfig } from '../informers/kube-config.js';
import { EventLogWriter } from '../informers/event-log.js';
import { changesOf } from '../informers/event.js';
import { informers } from '../informers/informers.js';
import { allKinds } from '../informers/kinds/index.js';
import { isCidrOrAddress } from '../informers/kinds/network-authentication.js';
import { defaultPolicyNames } from '../reconcilers/inbound-model.js';
import { replaySource, type TimedEvent } from '../informers/replay-source.js';
import { createLogger, type Logger, type LogLevel } from '../observe/logger.js';
import { createEngineMetrics, type EngineMetrics } from '../observe/metrics.js';
import type { Store } from '../store/store.js';
import { reconcilersFor } from '../reconcilers/index.js';
import { defaultMeshConfig, type MeshConfig } from '../reconcilers/mesh-config.js';
import { destinationService } from '../streams/destination/destination-server.js';
import { inboundServerPoliciesService } from '../streams/policy/inbound-server-policies.js';
import { outboundPoliciesService } from '../streams/policy/outbound-policies-server.js';
import { type GrpcService, type RunningGrpcServer, startGrpcServer } from '../streams/grpc-server.js';
import { startAdminServer } from '../streams/admin-server.js';
import { createEngine, type Engine } from '../streams/engine.js';
import { startPipeline } from '../streams/pipeline.js';
import { ViewHub } from '../streams/view-hub.js';
import { address, oneOf, parse } from './args.js';
import type { CommandIo } from './command-io.js';
import { identityFlags, identityFlagsHelp, identitySettings, startIdentity, type IdentityComponent } from './control-plane-identity.js';
import { UsageError } from './usage-error.js';

export const controlPlaneHelp = `Usage: sinew control-plane [flags]

Runs the control plane's components. destination (the default): informers list and watch
the Kubernetes API (or an event log is replayed), the store indexes what they deliver,
reconcilers compute views, and subscribers are streamed snapshots and diffs. policy: the
inbound and outbound policy APIs over the same engine. identity: the certificate authority
behind Identity.Certify, checking tokens with TokenReview. injector: the proxy-injector
admission webhook (HTTPS), which adds the proxy to pods as 'sinew inject --manual' does.

Flags:
      --components LIST     comma list of destination, policy, identity, injector (default destination)
      --kubeconfig FILE     kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, or in-cluster)
      --admin-addr ADDR     admin server: /live /ready /metrics /views (default 0.0.0.0:9996)
      --log-level LEVEL     debug, info (default), warn or error
      --log-format FORMAT   plain (default) or json
  -h, --help                show this help

Destination and policy flags:
      --destination-addr ADDR
                            gRPC Destination service (default 0.0.0.0:8086)
      --policy-addr ADDR    gRPC InboundServerPolicies and OutboundPolicies (default 0.0.0.0:8090)
      --admission-tls-dir DIR
                            with policy: serve the policy-validator (/policy) and sp-validator (/sp)
                            admission webhooks over HTTPS, with DIR/tls.crt and DIR/tls.key
      --admission-addr ADDR the admission webhooks' address (default 0.0.0.0:9443)
      --default-inbound-policy POLICY
                            the cluster's default inbound policy: all-unauthenticated (default),
                            all-authenticated, cluster-unauthenticated, cluster-authenticated,
                            deny or audit
      --cluster-networks CIDRS
                            comma list of the cluster's networks, for cluster-* policies
                            (default 10.0.0.0/8,100.64.0.0/10,172.16.0.0/12,192.168.0.0/16,fd00::/8)
      --cluster-domain DOMAIN
                            the cluster's DNS domain (default cluster.local)
      --source SOURCE       kube (default) or replay:FILE
      --replay-speed N      with replay:FILE, apply each entry at its log time after the first
                            entry, divided by N (1: as the log happened; default: as fast as read)
      --store DIR           LMDB store directory; a restart resumes from it (default: in memory)
      --record FILE         append every event the informers deliver to FILE (an event log)

Injector flags (with --components injector):
      --injector-tls-dir DIR        the webhook's serving certificate: DIR/tls.crt and DIR/tls.key (required)
      --injector-addr ADDR          the webhook's HTTPS address (default 0.0.0.0:8443)
      --injector-config FILE        the install's values (the linkerd-config ConfigMap's 'values' key):
                                    proxy image, ports, log level, trust anchors, …; default: the built-in
                                    defaults with --controller-namespace
      --controller-namespace NS     the control plane's namespace (default linkerd)

${identityFlagsHelp}`;

type Component = 'destination' | 'policy' | 'identity' | 'injector';
const componentNames: readonly Component[] = ['destination', 'policy', 'identity', 'injector'];

function componentsOf(value: string | undefined): ReadonlySet<Component> {
  if (value === undefined) return new Set(['destination']);
  const names = value.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !(componentNames as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new UsageError(`--components must be a comma list of ${componentNames.join(', ')}; got ${JSON.stringify(value)}`);
  }
  return new Set(names as Component[]);
}

interface Destination {
  readonly engine: Engine;
  readonly ports: { readonly destination?: number; readonly policy?: number; readonly admission?: number };
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

export async function controlPlaneCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(argv, {
    components: { type: 'string' }, source: { type: 'string' }, kubeconfig: { type: 'string' }, store: { type: 'string' },
    'destination-addr': { type: 'string' }, 'cluster-domain': { type: 'string' }, 'policy-addr': { type: 'string' },
    'default-inbound-policy': { type: 'string' }, 'cluster-networks': { type: 'string' },
    'admission-tls-dir': { type: 'string' }, 'admission-addr': { type: 'string' },
    'injector-tls-dir': { type: 'string' }, 'injector-addr': { type: 'string' }, 'injector-config': { type: 'string' },
    record: { type: 'string' }, 'replay-speed': { type: 'string' }, 'admin-addr': { type: 'string' }, 'log-level': { type: 'string' }, 'log-format': { type: 'string' },
    ...identityFlags,
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.out(controlPlaneHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const components = componentsOf(values.components);
  const level = oneOf<LogLevel>('--log-level', values['log-level'], ['debug', 'info', 'warn', 'error'], 'info');
  const format = oneOf('--log-format', values['log-format'], ['plain', 'json'] as const, 'plain');
  const admin = address('--admin-addr', values['admin-addr'] ?? '0.0.0.0:9996');
  const engineNeeded = components.has('destination') || components.has('policy');
  const source = destinationSource(values, engineNeeded);
  const replaySpeed = replaySpeedOf(values['replay-speed'], source);
  const identity = identitySettings(values, components.has('identity'));
  const injector = injectorSettings(values, components.has('injector'));

  const log = createLogger({ level, format: format === 'json' ? 'json' : 'logfmt', write: (line) => io.err(line + '\n') });
  const registry = new Registry();
  const mesh = meshConfig(values);
  const destinationAddr = address('--destination-addr', values['destination-addr'] ?? '0.0.0.0:8086');
  const policyAddr = address('--policy-addr', values['policy-addr'] ?? '0.0.0.0:8090');
  if (!components.has('destination') && values['destination-addr'] !== undefined) throw new UsageError('--destination-addr needs --components to include destination');
  for (const flag of ['policy-addr', 'admission-tls-dir', 'admission-addr'] as const) {
    if (!components.has('policy') && values[flag] !== undefined) throw new UsageError(`--${flag} needs --components to include policy`);
  }
  if (values['admission-addr'] !== undefined && values['admission-tls-dir'] === undefined) throw new UsageError('--admission-addr needs --admission-tls-dir');
  const admissionAddr = address('--admission-addr', values['admission-addr'] ?? '0.0.0.0:9443');
  const destination = engineNeeded
    ? await startDestination({
      source, replaySpeed, kubeconfig: values.kubeconfig, storeDir: values.store, record: values.record, mesh,
      destination: components.has('destination') ? destinationAddr : undefined, policy: components.has('policy') ? policyAddr : undefined,
      admission: values['admission-tls-dir'] === undefined ? undefined : { ...admissionAddr, tlsDir: values['admission-tls-dir'] },
    }, createEngineMetrics(registry), registry, log)
    : undefined;
  let identityComponent: IdentityComponent | undefined;
  try {
    identityComponent = identity === undefined ? undefined : await startIdentity(identity, loadKubeConfig({ kubeconfig: values.kubeconfig }), registry, log);
  } catch (error) {
    await destination?.stop();
    throw error;
  }
  let injectorServer: AdmissionServer | undefined;
  try {
    injectorServer = injector === undefined ? undefined : await startInjector(injector, values.kubeconfig, registry, log);
  } catch (error) {
    await identityComponent?.close();
    await destination?.stop();
    throw error;
  }
  const hub = destination?.engine.hub ?? new ViewHub(() => undefined);
  const server = await startAdminServer({
    address: admin.host, port: admin.port, registry, hub,
    view: (key) => destination?.engine.store.getView(key), viewKeys: () => destination?.engine.store.viewKeys() ?? [],
    ready: () => (destination?.engine.store.view.synced() ?? true) && (identityComponent?.ready() ?? true), log,
  });
  log.info('control plane started', {
    components: [...components].join(','), source: destination === undefined ? undefined : source, admin: `${admin.host}:${server.port}`,
    identity: identity === undefined || identityComponent === undefined ? undefined : `${identity.host}:${identityComponent.port}`,
    destination: destination?.ports.destination === undefined ? undefined : `${destinationAddr.host}:${destination.ports.destination}`,
    policy: destination?.ports.policy === undefined ? undefined : `${policyAddr.host}:${destination.ports.policy}`,
    admission: destination?.ports.admission === undefined ? undefined : `${admissionAddr.host}:${destination.ports.admission}`,
    injector: injector === undefined || injectorServer === undefined ? undefined : `${injector.listen.host}:${injectorServer.port}`,
    store: destination === undefined ? undefined : values.store ?? '(memory)',
  });

  const status = await runUntilStopped(destination, log);
  await injectorServer?.close();
  await identityComponent?.close();
  await server.close();
  await destination?.stop();
  return status;
}

/** The --source value, after checking the destination flags make sense together. */
function destinationSource(values: { source?: string; store?: string; record?: string; 'cluster-domain'?: string;
  'default-inbound-policy'?: string; 'cluster-networks'?: string; }, enabled: boolean): string {
  if (!enabled) {
    const given = (['source', 'store', 'record', 'cluster-domain', 'default-inbound-policy', 'cluster-networks'] as const).find((flag) => values[flag] !== undefined);
    if (given !== undefined) throw new UsageError(`--${given} needs --components to include destination or policy`);
  }
  const source = values.source ?? 'kube';
  if (source !== 'kube' && !source.startsWith('replay:')) throw new UsageError(`--source must be kube or replay:FILE; got ${JSON.stringify(source)}`);
  if (source.startsWith('replay:') && values.record !== undefined) throw new UsageError('--record records informers; it cannot be used with a replay source');
  return source;
}

/** Waits for SIGINT or SIGTERM (0), or for the event source to fail (1). */
async function runUntilStopped(destination: Destination | undefined, log: Logger): Promise<number> {
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const failed = (destination?.done ?? new Promise<void>(() => undefined)).then(() => {
    log.info('event log replayed; serving its final state');
    return new Promise<string>(() => undefined);
  });
  try {
    const signal = await Promise.race([stopped, failed]);
    log.info('shutting down', { signal });
    return 0;
  } catch (error) {
    log.error('event source failed', { error: (error as Error).message });
    return 1;
  }
}

/** --replay-speed: a positive number, only with a replay source. */
function replaySpeedOf(value: string | undefined, source: string): number | undefined {
  if (value === undefined) return undefined;
  if (!source.startsWith('replay:')) throw new UsageError('--replay-speed needs --source replay:FILE');
  const speed = Number(value);
  if (value.trim() === '' || !Number.isFinite(speed) || speed <= 0) throw new UsageError(`--replay-speed must be a positive number such as 1 or 0.5; got ${JSON.stringify(value)}`);
  return speed;
}

interface DestinationSettings {
  readonly source: string;
  readonly replaySpeed: number | undefined;
  readonly kubeconfig: string | undefined;
  readonly storeDir: string | undefined;
  readonly record: string | undefined;
  readonly mesh: MeshConfig;
  readonly destination: { readonly host: string; readonly port: number } | undefined;
  readonly policy: { readonly host: string; readonly port: number } | undefined;
  readonly admission: { readonly host: string; readonly port: number; readonly tlsDir: string } | undefined;
}

async function startDestination(settings: DestinationSettings, metrics: EngineMetrics, registry: Registry, log: Logger): Promise<Destination> {
  const { source, mesh } = settings;
  const engine = await createEngine({ storeDir: settings.storeDir, kinds: allKinds, reconcilers: reconcilersFor(mesh), log, metrics });
  const events = eventSource(source, settings.replaySpeed, settings.kubeconfig, engine.store, log, metrics);
  const recorder = settings.record === undefined ? undefined : new EventLogWriter(settings.record);
  const pipeline = startPipeline({
    source: recorder === undefined ? events : events.pipe(tap((timed) => recorder.write(changesOf(timed.event)))),
    loop: engine.loop,
    batching: source === 'kube' ? { kind: 'time', maxMs: 5, maxEvents: 2000 } : { kind: 'each' },
  });
  const servers: RunningGrpcServer[] = [];
  const start = async (listen: { readonly host: string; readonly port: number } | undefined, services: () => GrpcService[]): Promise<number | undefined> => {
    if (listen === undefined) return undefined;
    const server = await startGrpcServer(listen.host, listen.port, services());
    servers.push(server);
    return server.port;
  };
  let ports: Destination['ports'];
  let admission: AdmissionServer | undefined;
  try {
    const destination = await start(settings.destination, () => [destinationService({ hub: engine.hub, view: engine.store.view, config: mesh, log, registry })]);
    const policy = await start(settings.policy, () => [
      inboundServerPoliciesService({ hub: engine.hub, view: engine.store.view, getView: (key) => engine.store.getView(key), config: mesh, log, registry }),
      outboundPoliciesService({ hub: engine.hub, view: engine.store.view, config: mesh, log, registry }),
    ]);
    admission = settings.admission === undefined ? undefined : await startAdmissionServer({
      address: settings.admission.host, port: settings.admission.port, log, registry,
      tls: { certFile: path.join(settings.admission.tlsDir, 'tls.crt'), keyFile: path.join(settings.admission.tlsDir, 'tls.key') },
      webhooks: admissionWebhooks({ serversInNamespace: (namespace) => engine.store.view.list<Server>(serverResource, namespace) }),
    });
    ports = {
      ...(destination === undefined ? {} : { destination }), ...(policy === undefined ? {} : { policy }),
      ...(admission === undefined ? {} : { admission: admission.port }),
    };
  } catch (error) {
    for (const server of servers) await server.close();
    pipeline.stop();
    await engine.close();
    recorder?.close();
    throw error;
  }
  return {
    engine,
    ports,
    done: pipeline.done,
    async stop() {
      await admission?.close();
      for (const server of servers) await server.close();
      pipeline.stop();
      await engine.close();
      recorder?.close();
    },
  };
}

function meshConfig(values: { 'cluster-domain'?: string; 'controller-namespace'?: string | boolean; 'identity-trust-domain'?: string | boolean;
  'default-inbound-policy'?: string; 'cluster-networks'?: string }): MeshConfig {
  const text = (value: string | boolean | undefined): string | undefined => (typeof value === 'string' ? value : undefined);
  const clusterDomain = values['cluster-domain'] ?? defaultMeshConfig.clusterDomain;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(clusterDomain)) {
    throw new UsageError(`--cluster-domain must be a DNS name; got ${JSON.stringify(clusterDomain)}`);
  }
  return {
    ...defaultMeshConfig,
    clusterDomain,
    controllerNamespace: text(values['controller-namespace']) ?? defaultMeshConfig.controllerNamespace,
    trustDomain: text(values['identity-trust-domain']) ?? defaultMeshConfig.trustDomain,
    defaultInboundPolicy: oneOf('--default-inbound-policy', values['default-inbound-policy'], defaultPolicyNames, 'all-unauthenticated'),
    clusterNetworks: values['cluster-networks'] === undefined ? defaultMeshConfig.clusterNetworks : clusterNetworks(values['cluster-networks']),
  };
}

interface InjectorSettings {
  readonly listen: { readonly host: string; readonly port: number };
  readonly tlsDir: string;
  readonly mesh: InjectMeshConfig;
}

function injectorSettings(values: { 'injector-tls-dir'?: string; 'injector-addr'?: string; 'injector-config'?: string;
  'controller-namespace'?: string | boolean; 'identity-trust-domain'?: string | boolean; 'cluster-domain'?: string }, enabled: boolean): InjectorSettings | undefined {
  if (!enabled) {
    const given = (['injector-tls-dir', 'injector-addr', 'injector-config'] as const).find((flag) => values[flag] !== undefined);
    if (given !== undefined) throw new UsageError(`--${given} needs --components to include injector`);
    return undefined;
  }
  const tlsDir = values['injector-tls-dir'];
  if (tlsDir === undefined) throw new UsageError('--components injector needs --injector-tls-dir (the webhook serves HTTPS only)');
  const namespace = typeof values['controller-namespace'] === 'string' ? values['controller-namespace'] : defaultMeshConfig.controllerNamespace;
  const file = values['injector-config'];
  let mesh: InjectMeshConfig;
  try {
    mesh = file === undefined ? injectDefaults({ controllerNamespace: namespace }) : injectorConfigFile(file, namespace);
  } catch (error) {
    if (error instanceof InjectorConfigError) throw new UsageError(`--injector-config ${error.message}`);
    throw error;
  }
  return { listen: address('--injector-addr', values['injector-addr'] ?? '0.0.0.0:8443'), tlsDir, mesh };
}

async function startInjector(settings: InjectorSettings, kubeconfig: string | undefined, registry: Registry, log: Logger): Promise<AdmissionServer> {
  const by = createdBy('proxy-injector');
  return startAdmissionServer({
    address: settings.listen.host, port: settings.listen.port, log, registry,
    tls: { certFile: path.join(settings.tlsDir, 'tls.crt'), keyFile: path.join(settings.tlsDir, 'tls.key') },
    webhooks: {
      '/': proxyInjector({
        inject: (pod, namespaceAnnotations, namespace) => injectAdmittedPod(pod, namespaceAnnotations, { mesh: settings.mesh, createdBy: by, namespace }),
        namespaceAnnotations: namespaceAnnotationsFrom(kubeApiClient(loadKubeConfig({ kubeconfig }))),
        log,
      }),
    },
  });
}

function clusterNetworks(text: string): readonly string[] {
  const networks = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
  const bad = networks.find((network) => !isCidrOrAddress(network));
  if (networks.length === 0 || bad !== undefined) {
    throw new UsageError(`--cluster-networks must be a comma list of CIDRs; ${bad === undefined ? 'got none' : `${JSON.stringify(bad)} is not one`}`);
  }
  return networks;
}

function eventSource(source: string, speed: number | undefined, kubeconfig: string | undefined, store: Store, log: Logger,
  metrics: EngineMetrics): Observable<TimedEvent> {
  if (source.startsWith('replay:')) return replaySource({ file: source.slice('replay:'.length), kinds: allKinds, log, ...(speed === undefined ? {} : { speed }) });
  return informers({
    client: kubeApiClient(loadKubeConfig({ kubeconfig })),
    kinds: allKinds,
    seed: (resource) => store.seed(resource),
    log,
    metrics,
    awaitCapacity: () => (store.backlog() > 16 ? store.flushed() : undefined),
  }).pipe(map((event) => ({ at: undefined, event })), share());
}
