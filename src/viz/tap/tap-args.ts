/**
 * The command line `viz tap` and `viz top` share, as Linkerd's CLI reads it: the resource
 * (`deploy/web`, `deploy web`, `ns/shop`), `-n`, the filters (`--to`, `--to-namespace`, `--path`,
 * `--method`, `--authority`, `--scheme`), `--max-rps`, Sinew's `--limit`, and how the tap server
 * is reached: `--tap-addr URL`, or through the Kubernetes API server's service proxy to
 * `svc/tap:8089` in the viz namespace with `--kubeconfig`/`--context`.
 *
 * Contract: `tapInvocation` throws a TapArgError naming the flag or argument that is wrong; the
 * kubeconfig is read only when it is needed (without `--tap-addr`, or without `-n`).
 */
import { loadKubeConfig } from '../../informers/kube-config.js';
import type { Resource } from '../metrics-api-types.js';
import { parseResourceArgs } from '../resource-args.js';
import { serviceClient, type ServiceClient } from '../service-proxy.js';
import { tapRequestBodySchema, type TapRequestBody } from './tap-event.js';

export class TapArgError extends Error {
  override readonly name = 'TapArgError';
}

export const tapService = { service: 'tap', port: 8089 } as const;

export const tapOptions = {
  namespace: { type: 'string', short: 'n' }, to: { type: 'string' }, 'to-namespace': { type: 'string' },
  path: { type: 'string' }, method: { type: 'string' }, authority: { type: 'string' }, scheme: { type: 'string' },
  'max-rps': { type: 'string' }, limit: { type: 'string' },
  'tap-addr': { type: 'string' }, kubeconfig: { type: 'string' }, context: { type: 'string' }, 'viz-namespace': { type: 'string' },
} as const;

export const tapOptionsHelp = `  -n, --namespace NS            the resource's namespace (default: the kubeconfig's, or default)
      --to RESOURCE             only requests to this resource (TYPE/NAME; outbound traffic)
      --to-namespace NS         the --to resource's namespace (default: --namespace)
      --path PREFIX             only requests whose path starts with PREFIX
      --method METHOD           only requests with this HTTP method
      --authority AUTHORITY     only requests with this :authority
      --scheme SCHEME           only requests with this scheme (http or https)
      --max-rps N               at most N requests a second, over all pods (default 100)
      --limit N                 stop after N requests (default: run until interrupted)
      --tap-addr URL            the tap server's address (default: through the Kubernetes API server)
      --kubeconfig FILE         kubeconfig to use (default: $KUBECONFIG, ~/.kube/config)
      --context NAME            the kubeconfig context to use
      --viz-namespace NS        the viz extension's namespace (default linkerd-viz)`;

export type TapValues = { readonly [K in keyof typeof tapOptions]?: string };

export interface TapInvocation {
  readonly target: Resource;
  readonly body: TapRequestBody;
  readonly client: ServiceClient;
}

const flagOf: Readonly<Record<string, string>> = {
  path: '--path', method: '--method', authority: '--authority', scheme: '--scheme', toResource: '--to',
  toNamespace: '--to-namespace', maxRps: '--max-rps', limit: '--limit',
};

function numberFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(value)) throw new TapArgError(`${flag} must be a positive number; got ${JSON.stringify(value)}`);
  return Number(value);
}

function namespaceOf(values: TapValues): string {
  if (values.namespace !== undefined) return values.namespace;
  if (values['tap-addr'] !== undefined && values.kubeconfig === undefined) return 'default';
  try {
    const config = loadKubeConfig({ kubeconfig: values.kubeconfig, context: values.context });
    return config.getContextObject(config.getCurrentContext())?.namespace ?? 'default';
  } catch {
    return 'default';
  }
}

function targetOf(positionals: readonly string[], namespace: string): Resource {
  let resources: Resource[];
  try {
    resources = parseResourceArgs(positionals, namespace);
  } catch (error) {
    throw new TapArgError((error as Error).message);
  }
  const [target, extra] = resources;
  if (target === undefined || extra !== undefined) throw new TapArgError('give one resource to tap, such as deploy/web, po/web-1 or ns/shop');
  if (target.name === '') throw new TapArgError(`give the ${target.type}'s name, such as ${target.type}/NAME`);
  return target;
}

function clientOf(values: TapValues): ServiceClient {
  if (values['tap-addr'] !== undefined) {
    try {
      return serviceClient({ kind: 'direct', url: values['tap-addr'] });
    } catch (error) {
      throw new TapArgError(`--tap-addr: ${(error as Error).message}`);
    }
  }
  const kubeConfig = loadKubeConfig({ kubeconfig: values.kubeconfig, context: values.context });
  return serviceClient({ kind: 'kube', kubeConfig, namespace: values['viz-namespace'] ?? 'linkerd-viz', service: tapService.service, port: tapService.port });
}

/** The tap a command line asks for. */
export function tapInvocation(values: TapValues, positionals: readonly string[]): TapInvocation {
  const namespace = namespaceOf(values);
  const target = targetOf(positionals, namespace);
  if (values['to-namespace'] !== undefined && values.to === undefined) throw new TapArgError('--to-namespace needs --to');
  const raw = {
    path: values.path, method: values.method, authority: values.authority, scheme: values.scheme,
    toResource: values.to, toNamespace: values.to === undefined ? undefined : values['to-namespace'] ?? namespace,
    maxRps: numberFlag('--max-rps', values['max-rps']), limit: numberFlag('--limit', values.limit),
  };
  const parsed = tapRequestBodySchema.safeParse(Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined)));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? '');
    throw new TapArgError(`${flagOf[field] ?? field}: ${issue?.message ?? 'invalid'}`);
  }
  return { target, body: parsed.data, client: clientOf(values) };
}
