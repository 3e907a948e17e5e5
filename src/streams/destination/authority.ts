/**
 * What a Destination request names. `Get` takes Kubernetes service authorities only:
 * `<service>.<namespace>.svc.<cluster-domain>[:port]`, or `<hostname>.<service>.<namespace>.svc…`
 * for one pod of a StatefulSet. The port defaults to 80. Anything else (an IP literal, a bare
 * name, port 0 or 65536, an over-long name, a NUL byte or any non-ASCII character) is refused
 * with INVALID_ARGUMENT, naming what is wrong.
 */
import net from 'node:net';
import { InvalidArgumentError } from '../grpc-errors.js';

export interface ServiceAuthority {
  readonly namespace: string;
  readonly service: string;
  readonly port: number;
  readonly hostname?: string;
}

const maxAuthority = 255 + 6;
const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function splitHostPort(path: string): { host: string; port: number } {
  if (path.length === 0) throw new InvalidArgumentError('empty authority');
  if (path.length > maxAuthority) throw new InvalidArgumentError(`authority longer than ${maxAuthority} characters`);
  if (!/^[\x21-\x7e]+$/.test(path)) throw new InvalidArgumentError('authority holds a character that is not printable ASCII');
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(path);
  const match = bracketed ?? /^([^:]+)(?::(\d+))?$/.exec(path);
  if (match === null) throw new InvalidArgumentError(`malformed authority ${JSON.stringify(path)}`);
  const port = match[2] === undefined ? 80 : Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidArgumentError(`port ${match[2] ?? ''} is not in 1-65535`);
  return { host: (match[1] as string).toLowerCase(), port };
}

export function parseServiceAuthority(path: string, clusterDomain: string): ServiceAuthority {
  const { host, port } = splitHostPort(path);
  if (net.isIP(host) !== 0) throw new InvalidArgumentError(`${host} is an IP address; Get takes service names only`);
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  const suffix = `.svc.${clusterDomain}`;
  if (!name.endsWith(suffix)) throw new InvalidArgumentError(`${JSON.stringify(name)} is not a service name under ${suffix}`);
  const labels = name.slice(0, -suffix.length).split('.');
  if (labels.length < 2 || labels.length > 3 || labels.some((label) => !dnsLabel.test(label))) {
    throw new InvalidArgumentError(`${JSON.stringify(name)} is not <service>.<namespace>${suffix} or <hostname>.<service>.<namespace>${suffix}`);
  }
  const [first, second, third] = labels as [string, string, string | undefined];
  return third === undefined
    ? { service: first, namespace: second, port }
    : { hostname: first, service: second, namespace: third, port };
}
