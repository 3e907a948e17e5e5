/**
 * `sinew diagnostics policy POD PORT`: asks a running policy service (sinew control-plane
 * --components policy, or Linkerd's) for the inbound Server a proxy on POD would receive for PORT,
 * and prints it as YAML or JSON, exactly as the proxy API carries it.
 */
import { credentials, type ServiceError, status } from '@grpc/grpc-js';
import { stringify } from 'yaml';
import type { ProtoGrpcType } from '../gen/proto/inbound.js';
import type { Server__Output } from '../gen/proto/io/linkerd/proxy/inbound/Server.js';
import { loadProtos } from '../streams/proto.js';
import { address, oneOf, parse } from './args.js';
import type { CommandIo } from './command-io.js';
import { UsageError } from './usage-error.js';

export const diagnosticsPolicyHelp = `Usage: sinew diagnostics policy [flags] POD PORT

Asks a running policy service which inbound Server a proxy on POD would receive for PORT (its
protocol, routes and authorizations) and prints it. POD is NAME or pod/NAME.

Flags:
  -n, --namespace NS        the pod's namespace (default "default")
      --policy-addr ADDR    the policy service (default localhost:8090)
      --timeout SECONDS     how long to wait for an answer (default 10)
  -o, --output FORMAT       yaml (default) or json
  -h, --help                show this help
`;

export async function diagnosticsPolicyCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(argv, {
    namespace: { type: 'string', short: 'n' }, 'policy-addr': { type: 'string' }, timeout: { type: 'string' },
    output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.out(diagnosticsPolicyHelp);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(`policy needs POD and PORT, got ${positionals.length} arguments`);
  const pod = (positionals[0] ?? '').replace(/^(po|pod|pods)\//, '');
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(pod)) throw new UsageError(`POD ${JSON.stringify(positionals[0])} is not a pod name`);
  const port = Number(positionals[1]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`PORT ${JSON.stringify(positionals[1])} is not a port number (1-65535)`);
  const output = oneOf('--output', values.output, ['yaml', 'json'] as const, 'yaml');
  const target = address('--policy-addr', values['policy-addr'] ?? 'localhost:8090');
  const timeoutSeconds = Number(values.timeout ?? '10');
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new UsageError(`--timeout must be a positive number of seconds; got ${JSON.stringify(values.timeout)}`);
  const namespace = values.namespace ?? 'default';

  const proto = loadProtos<ProtoGrpcType>(['inbound.proto']);
  const client = new proto.io.linkerd.proxy.inbound.InboundServerPolicies(`${target.host}:${target.port}`, credentials.createInsecure());
  try {
    const server = await new Promise<Server__Output>((resolve, reject) => {
      client.GetPort({ workload: JSON.stringify({ ns: namespace, pod }), port }, { deadline: Date.now() + timeoutSeconds * 1000 },
        (error: ServiceError | null, reply?: Server__Output) => (error !== null || reply === undefined ? reject(error ?? new Error('no reply')) : resolve(reply)));
    });
    io.out(output === 'json' ? JSON.stringify(server, null, 2) + '\n' : stringify(server));
    return 0;
  } catch (error) {
    const code = (error as ServiceError).code;
    io.err(`sinew diagnostics policy: ${namespace}/${pod}:${port}: ${code === undefined ? '' : `${status[code]}: `}${(error as ServiceError).details ?? (error as Error).message}\n`);
    return 1;
  } finally {
    client.close();
  }
}
