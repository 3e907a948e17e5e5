/**
 * An HTTPS client for the admission server, as the API server is one: it trusts the webhook CA
 * and checks the server's name. Bodies are sent as given, so tests can send anything.
 */
import https from 'node:https';

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
  /** The body parsed as JSON, or undefined if it is not JSON. */
  readonly json: unknown;
  /** True when the request went over a connection an earlier request used (keep-alive). */
  readonly reusedSocket: boolean;
}

export interface SendOptions {
  readonly method?: string;
  readonly path: string;
  readonly body?: string | Buffer;
  readonly headers?: Readonly<Record<string, string | number>>;
  /** Client certificate authorities; the webhook CA in tests. */
  readonly ca: string;
  /** Fresh connection per request unless an agent is given. */
  readonly agent?: https.Agent;
}

export function send(port: number, options: SendOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = https.request({
      host: '127.0.0.1', servername: 'localhost', port, method: options.method ?? 'POST', path: options.path, ca: options.ca,
      agent: options.agent ?? false,
      headers: { 'content-type': 'application/json', ...options.headers },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json, reusedSocket: request.reusedSocket });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

/** An AdmissionReview v1 request for `object`, with a fresh uid. */
export function review(object: unknown, kind: { group: string; version: string; kind: string }, extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const metadata = (object as { metadata?: { name?: string; namespace?: string } } | null)?.metadata;
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `uid-${Math.random().toString(16).slice(2)}`,
      kind,
      resource: { group: kind.group, version: kind.version, resource: `${kind.kind.toLowerCase()}s` },
      name: metadata?.name,
      namespace: metadata?.namespace,
      operation: 'CREATE',
      userInfo: { username: 'kubernetes-admin', groups: ['system:masters'] },
      object,
      oldObject: null,
      dryRun: false,
      ...extra,
    },
  };
}
