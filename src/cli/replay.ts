/**
 * `sinew replay FILE`: runs the control plane's pipeline from an event log instead of the API
 * server, and prints every view update, stamped with its log time. Composition root of replay.
 */
import { stringify } from 'yaml';
import { EventLogError, type LogReadStats } from '../informers/event-log.js';
import { allKinds } from '../informers/kinds/index.js';
import type { ObjectKey } from '../informers/object.js';
import { replaySource } from '../informers/replay-source.js';
import { createLogger } from '../observe/logger.js';
import { allReconcilers } from '../reconcilers/index.js';
import { createEngine, type Engine } from '../streams/engine.js';
import { startPipeline } from '../streams/pipeline.js';
import { oneOf, parse, time } from './args.js';
import type { CommandIo } from './command-io.js';
import { formatUpdate } from './update-format.js';
import { formatDestinationUpdate } from './destination-update-format.js';
import { parseServiceAuthority, type ServiceAuthority } from '../streams/destination/authority.js';
import { EndpointLens } from '../streams/destination/endpoint-lens.js';
import { defaultMeshConfig } from '../reconcilers/mesh-config.js';
import { tap } from 'rxjs';
import { isIP } from 'node:net';
import { decide, type InboundClient } from '../reconcilers/inbound-decision.js';
import { inboundServerForPort } from '../reconcilers/inbound-policy.js';
import { formatExplanation } from './policy-explanation.js';
import { UsageError } from './usage-error.js';

export const replayHelp = `Usage: sinew replay FILE [flags]

Replays a recorded event log through the same pipeline the control plane runs (store, reconcilers,
views) and prints every view update as it happens, stamped with the log time. The same log always
prints the same bytes.

FILE is a log written by 'sinew control-plane --record FILE' (one JSON object a line:
{"at", "type", "object"}), or the output of
  kubectl get pods,services,endpointslices.discovery.k8s.io -A --watch --output-watch-events -o json

Flags:
      --until TIME     stop before the first entry later than TIME (RFC 3339)
      --get KEY        after the replay, print the state of KEY: an object
                       (pods/NAMESPACE/NAME, services/NAMESPACE/NAME, ...) or a view
                       (endpoints/NAMESPACE/SERVICE:PORT); may be repeated
  -o, --output FMT     text (default), json or yaml (yaml applies to --get)
      --watch AUTHORITY
                       print every Destination Update a proxy subscribed to AUTHORITY
                       (service.namespace.svc.cluster.local:port) would receive, instead of
                       the view updates; may be repeated
      --explain NS/POD:PORT
                       after the replay, say whether a client may reach the pod's port and why:
                       the Server (or default policy) chosen, each resource and authorization
                       considered, and the verdict; may be repeated. Describe the client with:
      --client-ip IP   its address (without it, only all-network authorizations can match)
      --client-identity ID
                       its mesh identity (implies mesh TLS); without it the client is not meshed
      --client-tls     the client is meshed but has no identity
      --path PATH      an HTTP request path (without it, a connection is evaluated)
      --method METHOD  the request method (default GET)
      --quiet          print no updates (with --get or --explain: only the answers)
      --store DIR      keep the store in LMDB at DIR (default: in memory)
  -h, --help           show this help

Exit status: 0 on success; 1 when the log cannot be read (the message names the file and line),
a --get KEY or an --explain pod does not exist; 2 for a bad command line.
`;

export async function replayCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(argv, {
    until: { type: 'string' }, get: { type: 'string', multiple: true }, output: { type: 'string', short: 'o' },
    quiet: { type: 'boolean' }, store: { type: 'string' }, watch: { type: 'string', multiple: true },
    explain: { type: 'string', multiple: true }, 'client-ip': { type: 'string' }, 'client-identity': { type: 'string' },
    'client-tls': { type: 'boolean' }, path: { type: 'string' }, method: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.out(replayHelp);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one log FILE, got ${positionals.length}`);
  const file = positionals[0] as string;
  const output = oneOf('--output', values.output, ['text', 'json', 'yaml'] as const, 'text');
  const until = time('--until', values.until);
  const log = createLogger({ level: 'warn', write: (line) => io.err(line + '\n') });
  const stats: LogReadStats = { skippedUnknownKind: 0, skippedInvalid: 0, skippedOtherTypes: 0 };
  const watches = (values.watch ?? []).map((authority) => ({ authority, parsed: watchedAuthority(authority) }));
  const explains = (values.explain ?? []).map(explainTarget);
  const client = explainClient(values);
  const engine = await createEngine({ storeDir: values.store, kinds: allKinds, reconcilers: allReconcilers, log });
  let entries = 0;
  let when = 'start';
  const format = output === 'json' ? 'json' : 'text';
  for (const { authority, parsed } of watches) {
    const lens = new EndpointLens({ hostname: parsed.hostname }, { service: parsed.service, namespace: parsed.namespace });
    engine.hub.subscribe(`endpoints/${parsed.namespace}/${parsed.service}:${parsed.port}`, {
      write: (message) => {
        for (const update of lens.next(message as Parameters<EndpointLens['next']>[0])) io.out(formatDestinationUpdate(when, authority, update, format));
        return true;
      },
      onDrain: () => undefined, close: () => undefined, onClose: () => undefined,
    }, { kind: 'bounded', capacity: Number.MAX_SAFE_INTEGER });
  }
  try {
    const pipeline = startPipeline({
      source: replaySource({ file, kinds: allKinds, log, until, stats }).pipe(tap((timed) => {
        if (timed.event.type !== 'SYNCED') when = timed.at?.toISOString() ?? `entry:${entries + 1}`;
      })),
      loop: engine.loop,
      batching: { kind: 'each' },
      onBatch: (batch, updates) => {
        const first = batch[0];
        if (first?.event.type !== 'SYNCED') entries += batch.length;
        if (values.quiet === true || watches.length > 0) return;
        for (const update of updates) io.out(formatUpdate(when, update, format));
      },
    });
    await pipeline.done;
  } catch (error) {
    await engine.close();
    if (error instanceof EventLogError) {
      io.err(`sinew replay: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const status = Math.max(printStates(engine, values.get ?? [], output, io), printExplanations(engine, explains, client, format, io));
  io.err(`replayed ${entries} entries from ${file}; skipped ${stats.skippedInvalid} invalid, ` +
    `${stats.skippedUnknownKind} of unwatched kinds; ${engine.store.size()} objects, ${engine.store.viewKeys().length} views\n`);
  await engine.close();
  return status;
}

function watchedAuthority(authority: string): ServiceAuthority {
  try {
    return parseServiceAuthority(authority, defaultMeshConfig.clusterDomain);
  } catch (error) {
    throw new UsageError(`--watch ${JSON.stringify(authority)}: ${(error as Error).message}`);
  }
}

interface ExplainTarget {
  readonly text: string;
  readonly namespace: string;
  readonly pod: string;
  readonly port: number;
}

function explainTarget(text: string): ExplainTarget {
  const match = /^([a-z0-9][-a-z0-9]*)\/([a-z0-9][-a-z0-9.]*):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (match === null || port < 1 || port > 65535) throw new UsageError(`--explain ${JSON.stringify(text)} must be NAMESPACE/POD:PORT`);
  return { text, namespace: match[1] ?? '', pod: match[2] ?? '', port };
}

function explainClient(values: { 'client-ip'?: string; 'client-identity'?: string; 'client-tls'?: boolean; path?: string; method?: string }): InboundClient {
  const ip = values['client-ip'];
  if (ip !== undefined && isIP(ip) === 0) throw new UsageError(`--client-ip ${JSON.stringify(ip)} is not an IP address`);
  const path = values.path;
  if (path !== undefined && !path.startsWith('/')) throw new UsageError(`--path ${JSON.stringify(path)} must start with /`);
  const method = values.method?.toUpperCase();
  if (method !== undefined && !/^[A-Z]+$/.test(method)) throw new UsageError(`--method ${JSON.stringify(values.method)} is not an HTTP method`);
  if (method !== undefined && path === undefined) throw new UsageError('--method needs --path');
  const identity = values['client-identity'];
  return {
    ...(ip === undefined ? {} : { ip }),
    tls: identity !== undefined || values['client-tls'] === true,
    ...(identity === undefined ? {} : { identity }),
    ...(path === undefined ? {} : { path, method: method ?? 'GET' }),
  };
}

function printExplanations(engine: Engine, targets: readonly ExplainTarget[], client: InboundClient, format: 'text' | 'json', io: CommandIo): number {
  let status = 0;
  for (const target of targets) {
    const snapshot = engine.store.getView(`inbound/${target.namespace}/${target.pod}`);
    const server = snapshot === undefined ? undefined
      : inboundServerForPort(defaultMeshConfig, new Map(snapshot.items.map((item) => [item.name, item.value])), target.port);
    if (server === undefined) {
      io.err(`sinew replay: --explain ${target.text}: pod ${target.namespace}/${target.pod} does not exist at the end of the replay\n`);
      status = 1;
      continue;
    }
    io.out(formatExplanation({ target: target.text, client, server, decision: decide(server, client) }, format));
  }
  return status;
}

function printStates(engine: Engine, keys: readonly string[], output: 'text' | 'json' | 'yaml', io: CommandIo): number {
  let status = 0;
  for (const key of keys) {
    const state = engine.store.view.get(key as ObjectKey) ?? engine.store.getView(key);
    if (state === undefined) {
      io.err(`sinew replay: ${JSON.stringify(key)} does not exist at the end of the replay\n`);
      status = 1;
      continue;
    }
    io.out(output === 'yaml' ? `---\n${stringify(state)}` : JSON.stringify(state, null, 2) + '\n');
  }
  return status;
}
