/**
 * The applications of the mesh world's pods, and clients that talk to them: an HTTP/1 server, an
 * HTTP/2 cleartext server, a gRPC echo service and a TCP echo, each answering with its own name
 * and the `l5d-client-id` it was given; and one-shot clients for each protocol.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { type ServiceDefinition, Server, ServerCredentials, credentials, makeGenericClientConstructor, type Client, type ServiceError, status } from '@grpc/grpc-js';

export interface RunningApp {
  close(): Promise<void>;
}

const raw = (buffer: Buffer): Buffer => buffer;

export const echoService: ServiceDefinition = {
  Say: {
    path: '/test.Echo/Say', requestStream: false, responseStream: false,
    requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw,
  },
};

/** All four applications of one web pod, on `host`. */
export async function startWebApps(host: string, name: string): Promise<RunningApp> {
  const h1 = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(`${name} ${req.headers['l5d-client-id'] ?? '-'} ${req.method} ${req.url}`));
  });
  const h2 = http2.createServer((req, res) => res.end(`${name} h2 ${String(req.headers['l5d-client-id'] ?? '-')}`));
  const grpc = new Server();
  grpc.addService(echoService, {
    Say: (call: { request: Buffer; metadata: { get(key: string): unknown[] } }, callback: (error: Partial<ServiceError> | null, value?: Buffer) => void) => {
      // `missing:TEXT` answers NOT_FOUND, which a gRPC server sends as a Trailers-Only response.
      const missing = /^missing:(.*)$/.exec(call.request.toString());
      if (missing !== null) return callback({ code: status.NOT_FOUND, details: `${name} has no ${missing[1] ?? ''}` });
      callback(null, Buffer.from(`${name} grpc ${String(call.metadata.get('l5d-client-id')[0] ?? '-')} ${call.request.toString()}`));
    },
  });
  const tcp = net.createServer((socket) => socket.on('data', (chunk) => socket.write(`${name}:${chunk.toString()}`)).on('error', () => undefined));
  await Promise.all([
    new Promise<void>((resolve) => h1.listen(8080, host, resolve)),
    new Promise<void>((resolve) => h2.listen(8081, host, resolve)),
    new Promise<void>((resolve, reject) => grpc.bindAsync(`${host}:8082`, ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve()))),
    new Promise<void>((resolve) => tcp.listen(8083, host, resolve)),
  ]);
  return {
    close: async () => {
      h1.closeAllConnections();
      await Promise.all([
        new Promise((resolve) => h1.close(resolve)), new Promise((resolve) => h2.close(resolve)),
        new Promise((resolve) => tcp.close(resolve)), new Promise<void>((resolve) => grpc.tryShutdown(() => resolve())),
      ]);
    },
  };
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export function http1Get(host: string, port: number, path: string, agent?: http.Agent, headers: http.OutgoingHttpHeaders = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    http.get({ host, port, path, agent, headers: { host: 'web.shop.svc.cluster.local', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject);
  });
}

export async function http2Get(host: string, port: number, path: string): Promise<HttpAnswer> {
  const session = http2.connect(`http://${host}:${port}`);
  try {
    return await new Promise<HttpAnswer>((resolve, reject) => {
      session.on('error', reject);
      const stream = session.request({ ':path': path, ':authority': 'web.shop.svc.cluster.local:81' });
      let body = '';
      let status = 0;
      let headers: http.IncomingHttpHeaders = {};
      stream.setEncoding('utf8');
      stream.on('response', (h) => { status = Number(h[':status']); headers = h; });
      stream.on('data', (chunk: string) => { body += chunk; });
      stream.on('end', () => resolve({ status, headers, body }));
      stream.on('error', reject);
    });
  } finally {
    session.close();
  }
}

export async function grpcSay(host: string, port: number, text: string): Promise<string> {
  const Echo = makeGenericClientConstructor(echoService, 'Echo');
  const client = new Echo(`${host}:${port}`, credentials.createInsecure()) as unknown as Client & { Say: (request: Buffer, callback: (error: ServiceError | null, value?: Buffer) => void) => void };
  try {
    return await new Promise<string>((resolve, reject) => {
      client.Say(Buffer.from(text), (error, value) => (error === null ? resolve(value?.toString() ?? '') : reject(error)));
    });
  } finally {
    client.close();
  }
}

export function tcpExchange(host: string, port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port }, () => socket.write(text));
    socket.setEncoding('utf8');
    socket.once('data', (chunk: string) => {
      socket.end();
      resolve(chunk);
    });
    socket.once('error', reject);
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TCP answer from ${host}:${port}`));
    }, 10_000).unref();
  });
}

/** The proxy's /metrics text. */
export function scrape(host: string, port: number): Promise<string> {
  return http1Get(host, port, '/metrics').then((answer) => answer.body);
}
