/**
 * `sinew diagnostics endpoints AUTHORITY…`: asks a running Destination service what it would send a
 * proxy for each authority, and prints the endpoints (the first message of a Get stream).
 */
import { credentials, type ServiceError, status } from '@grpc/grpc-js';
import type { ProtoGrpcType } from '../gen/proto/destination.js';
import type { Update__Output } from '../gen/proto/io/linkerd/proxy/destination/Update.js';
import { fromIpAddress } from '../streams/destination/ip-address.js';
import { loadProtos } from '../streams/proto.js';
import { address, oneOf, parse } from './args.js';
import type { CommandIo } from './command-io.js';
import { diagnosticsPolicyCommand } from './diagnostics-policy.js';
import { UsageError } from './usage-error.js';

export const diagnosticsHelp = `Usage: sinew diagnostics endpoints AUTHORITY... [flags]
       sinew diagnostics policy POD PORT [flags]   (see 'sinew diagnostics policy --help')

endpoints: asks a running Destination service (sinew control-plane, or Linkerd's) which endpoints
it would send a proxy for each AUTHORITY (service.namespace.svc.cluster.local:port), and prints
them. policy: asks a running policy service which inbound Server a pod's proxy gets for a port.

Flags:
      --destination-addr ADDR   the Destination service (default localhost:8086)
      --timeout DURATION        how long to wait for an answer, in seconds (default 10)
  -o, --output FORMAT           table (default) or json
  -h, --help                    show this help

Columns: NAMESPACE IP PORT POD SERVICE. Exit status 1 when an authority is refused or unanswered.
`;

interface EndpointRow {
  readonly namespace: string;
  readonly ip: string;
  readonly port: number;
  readonly pod: string;
  readonly service: string;
  readonly identity?: string;
  readonly protocolHint?: string;
}

export async function diagnosticsCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  if (argv[0] === 'policy') return diagnosticsPolicyCommand(argv.slice(1), io);
  const { values, positionals } = parse(argv, {
    'destination-addr': { type: 'string' }, timeout: { type: 'string' }, output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true || positionals.length === 0) {
    io.out(diagnosticsHelp);
    return values.help === true ? 0 : 2;
  }
  const [topic, ...authorities] = positionals;
  if (topic !== 'endpoints') throw new UsageError(`unknown diagnostics ${JSON.stringify(topic)}; try 'endpoints' or 'policy'`);
  if (authorities.length === 0) throw new UsageError('endpoints needs at least one AUTHORITY');
  const output = oneOf('--output', values.output, ['table', 'json'] as const, 'table');
  const target = address('--destination-addr', values['destination-addr'] ?? 'localhost:8086');
  const timeoutSeconds = Number(values.timeout ?? '10');
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new UsageError(`--timeout must be a positive number of seconds; got ${JSON.stringify(values.timeout)}`);

  const proto = loadProtos<ProtoGrpcType>(['destination.proto']);
  const client = new proto.io.linkerd.proxy.destination.Destination(`${target.host}:${target.port}`, credentials.createInsecure());
  const rows: EndpointRow[] = [];
  let failed = false;
  try {
    for (const authority of authorities) {
      try {
        rows.push(...await firstEndpoints(client, authority, timeoutSeconds * 1000));
      } catch (error) {
        failed = true;
        const code = (error as ServiceError).code;
        io.err(`sinew diagnostics: ${authority}: ${code === undefined ? '' : `${status[code]}: `}${(error as Error).message}\n`);
      }
    }
  } finally {
    client.close();
  }
  io.out(output === 'json' ? JSON.stringify(rows, null, 2) + '\n' : table(rows));
  return failed ? 1 : 0;
}

function firstEndpoints(client: { Get: (request: object) => NodeJS.EventEmitter & { cancel(): void } }, authority: string, timeoutMs: number): Promise<EndpointRow[]> {
  return new Promise((resolve, reject) => {
    const call = client.Get({ scheme: 'k8s', path: authority });
    const timer = setTimeout(() => {
      call.cancel();
      reject(new Error(`no answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    call.once('data', (update: Update__Output) => {
      clearTimeout(timer);
      call.cancel();
      const labels = update.add?.metric_labels ?? {};
      resolve((update.add?.addrs ?? []).map((addr) => ({
        namespace: labels.namespace ?? '', ip: fromIpAddress(addr.addr?.ip) ?? '?', port: addr.addr?.port ?? 0,
        pod: addr.metric_labels.pod ?? '', service: labels.service ?? '',
        ...(addr.tls_identity?.dns_like_identity ? { identity: addr.tls_identity.dns_like_identity.name } : {}),
        ...(addr.protocol_hint?.protocol ? { protocolHint: addr.protocol_hint.protocol } : {}),
      })));
    });
    call.once('error', (error: ServiceError) => {
      clearTimeout(timer);
      if (error.code !== status.CANCELLED) reject(error);
    });
  });
}

function table(rows: readonly EndpointRow[]): string {
  const header = ['NAMESPACE', 'IP', 'PORT', 'POD', 'SERVICE'];
  const cells = [header, ...rows.map((row) => [row.namespace, row.ip, String(row.port), row.pod, row.service])];
  const widths = header.map((_, column) => Math.max(...cells.map((line) => (line[column] ?? '').length)));
  return cells.map((line) => line.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('   ').trimEnd()).join('\n') + '\n';
}
