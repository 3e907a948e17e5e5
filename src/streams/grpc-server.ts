/**
 * Starting a gRPC server for the control plane's APIs, with explicit limits: keepalive pings (so
 * dead proxies are noticed), a maximum connection age (clients reconnect and resubscribe from a
 * snapshot, which spreads them across replicas), and message size caps. Plaintext: in a cluster
 * the pod's own proxy terminates TLS in front of it.
 */
import { type ChannelOptions, Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';

export interface GrpcService {
  readonly definition: ServiceDefinition;
  readonly handlers: UntypedServiceImplementation;
}

export interface RunningGrpcServer {
  readonly port: number;
  close(): Promise<void>;
}

export const grpcServerOptions: ChannelOptions = {
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 20_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  'grpc.max_connection_age_ms': 30 * 60_000,
  'grpc.max_connection_age_grace_ms': 60_000,
  'grpc.max_receive_message_length': 64 * 1024,
  'grpc.max_send_message_length': 16 * 1024 * 1024,
};

export async function startGrpcServer(host: string, port: number, services: readonly GrpcService[]): Promise<RunningGrpcServer> {
  const server = new Server(grpcServerOptions);
  for (const service of services) server.addService(service.definition, service.handlers);
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, actual) => (error === null ? resolve(actual) : reject(error)));
  });
  return {
    port: bound,
    close: () => new Promise((resolve) => {
      const timer = setTimeout(() => server.forceShutdown(), 2000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    }),
  };
}
