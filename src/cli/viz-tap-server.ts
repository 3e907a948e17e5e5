/**
 * `sinew viz tap-server`: the composition root of the tap server. Gets the tap service's
 * certificate from the identity service (a CSR for --identity-name with the token file, renewed
 * as proxies renew theirs), follows the cluster's workloads (--source), and serves the tap HTTP
 * API (viz/tap/tap-http-server.ts), calling each tapped pod's proxy over mutual TLS. Runs until
 * SIGINT or SIGTERM.
 */
import fs from 'node:fs';
import { createLogger, type LogLevel } from '../observe/logger.js';
import { startIdentityClient } from '../proxy/identity-client.js';
import { startTapHttpServer } from '../viz/tap/tap-http-server.js';
import { checkSource, startWorkloadSource } from '../viz/workload-source.js';
import { address, oneOf, parse } from './args.js';
import type { CommandIo } from './command-io.js';
import { UsageError } from './usage-error.js';

export const tapServerHelp = `Usage: sinew viz tap-server [flags]

Serves the tap API: POST /apis/tap.linkerd.io/v1alpha1/watch/namespaces/NS[/TYPE/NAME]/tap
streams the requests the resource's meshed proxies see, as NDJSON. Each proxy is called on its
tap port (4190) over mutual TLS, with the certificate this server gets from the identity service
for --identity-name (the only identity the proxies serve tap to).

Flags:
      --addr ADDR                 the HTTP API's address (default 0.0.0.0:8089); /live and /ready too
      --source SOURCE             where workloads are read: kube (default) or replay:FILE
      --kubeconfig FILE           kubeconfig for --source kube (default: $KUBECONFIG, ~/.kube/config, or in-cluster)
      --identity-addr HOST:PORT   the identity service (required)
      --identity-svc-name NAME    the identity service's own identity (checked over TLS; plaintext
                                  when unset or when the address is loopback)
      --identity-name NAME        this server's identity, SA.NS.serviceaccount.identity.CONTROL-NS.TRUST-DOMAIN (required)
      --trust-anchors-file FILE   the mesh's trust anchors, PEM (required)
      --token-file FILE           the service account token the identity service checks (required)
      --tap-port PORT             the proxies' tap port when a pod does not name one (default 4190)
      --log-level LEVEL           debug, info (default), warn or error
      --log-format FORMAT         plain (default) or json
  -h, --help                      show this help
`;

const flags = {
  addr: { type: 'string' }, source: { type: 'string' }, kubeconfig: { type: 'string' },
  'identity-addr': { type: 'string' }, 'identity-svc-name': { type: 'string' }, 'identity-name': { type: 'string' },
  'trust-anchors-file': { type: 'string' }, 'token-file': { type: 'string' }, 'tap-port': { type: 'string' },
  'log-level': { type: 'string' }, 'log-format': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function required(flag: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required`);
  return value;
}

/** `serviceaccount.identity.linkerd.cluster.local` of `tap.linkerd-viz.serviceaccount.identity.linkerd.cluster.local`. */
function identitySuffixOf(name: string): string {
  const match = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\.[a-z0-9]([-a-z0-9]*[a-z0-9])?\.(serviceaccount\.identity\.[a-z0-9][-a-z0-9.]*[a-z0-9])$/.exec(name);
  if (match?.[3] === undefined) throw new UsageError(`--identity-name must be SA.NS.serviceaccount.identity.CONTROL-NS.TRUST-DOMAIN; got ${JSON.stringify(name)}`);
  return match[3];
}

function readAnchors(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--trust-anchors-file: cannot read ${file}: ${(error as Error).message}`);
  }
}

function portFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 65535) throw new UsageError(`--tap-port must be a port number; got ${JSON.stringify(value)}`);
  return Number(value);
}

export async function tapServerCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(argv, flags);
  if (values.help === true) {
    io.out(tapServerHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const listen = address('--addr', values.addr ?? '0.0.0.0:8089');
  const source = (() => {
    try {
      return checkSource(values.source ?? 'kube');
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  })();
  const identityAddr = address('--identity-addr', required('--identity-addr', values['identity-addr']));
  const localName = required('--identity-name', values['identity-name']);
  const identitySuffix = identitySuffixOf(localName);
  const trustAnchorsPem = readAnchors(required('--trust-anchors-file', values['trust-anchors-file']));
  const tokenFile = required('--token-file', values['token-file']);
  const tapPort = portFlag(values['tap-port']);
  const level = oneOf<LogLevel>('--log-level', values['log-level'], ['debug', 'info', 'warn', 'error'], 'info');
  const format = oneOf('--log-format', values['log-format'], ['plain', 'json'] as const, 'plain');
  const log = createLogger({ level, format: format === 'json' ? 'json' : 'logfmt', write: (line) => io.err(line + '\n') });

  const identity = (() => {
    try {
      return startIdentityClient({ addr: identityAddr, serverName: values['identity-svc-name'], trustAnchorsPem, localName, tokenFile, log });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  })();
  const workloads = await startWorkloadSource({ source, kubeconfig: values.kubeconfig, log: log.child({ component: 'workloads' }) });
  const server = await startTapHttpServer(listen, {
    inventory: workloads.inventory, identity: () => identity.current(), identitySuffix, log, ...(tapPort === undefined ? {} : { tapPort }),
  });
  log.info('tap server started', { addr: `${listen.host}:${server.port}`, identity: localName, source });
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  log.info('shutting down', { signal });
  await server.close();
  identity.close();
  await workloads.close();
  return 0;
}
