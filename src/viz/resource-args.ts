/**
 * Resource arguments as Linkerd's CLI reads them: `deploy/web`, `deployment web`, `deploy` (every
 * deployment), `po/web-1`, `ns/shop`, `sts`, `ds`, `job`, `cj`, `rc`, `rs`, `svc`, `au`, `all`,
 * with kubectl's short, singular and plural names.
 *
 * Contract: `parseResourceArgs` returns one resource per target, or throws ResourceArgError naming
 * the argument; `all` expands to the types Linkerd's `stat all` shows. Prometheus label names come
 * from `promLabelOf` (a pod's `linkerd.io/proxy-job` label becomes `k8s_job`, as Linkerd-viz's
 * scrape config relabels it, so it cannot clash with Prometheus' own `job`).
 */
import { type Resource, type ResourceType, statAllTypes } from './metrics-api-types.js';

export class ResourceArgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResourceArgError';
  }
}

const aliases: Readonly<Record<string, ResourceType | 'all'>> = {
  all: 'all',
  ns: 'namespace', namespace: 'namespace', namespaces: 'namespace',
  po: 'pod', pod: 'pod', pods: 'pod',
  deploy: 'deployment', deployment: 'deployment', deployments: 'deployment',
  sts: 'statefulset', statefulset: 'statefulset', statefulsets: 'statefulset',
  ds: 'daemonset', daemonset: 'daemonset', daemonsets: 'daemonset',
  job: 'job', jobs: 'job',
  cj: 'cronjob', cronjob: 'cronjob', cronjobs: 'cronjob',
  rs: 'replicaset', replicaset: 'replicaset', replicasets: 'replicaset',
  rc: 'replicationcontroller', replicationcontroller: 'replicationcontroller', replicationcontrollers: 'replicationcontroller',
  svc: 'service', service: 'service', services: 'service',
  au: 'authority', authority: 'authority', authorities: 'authority',
};

/** The canonical type for a friendly name (`deploy` → `deployment`), or undefined. */
export function resourceTypeOf(name: string): ResourceType | 'all' | undefined {
  return aliases[name.toLowerCase()];
}

function typeOrThrow(text: string): ResourceType | 'all' {
  const type = resourceTypeOf(text);
  if (type === undefined) {
    throw new ResourceArgError(`unknown resource type ${JSON.stringify(text)}; use one of: all, cronjob (cj), daemonset (ds), deployment (deploy), job, namespace (ns), pod (po), replicaset (rs), replicationcontroller (rc), service (svc), statefulset (sts), authority (au)`);
  }
  return type;
}

const namePattern = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function checkName(name: string, arg: string): string {
  if (name.length > 253 || !namePattern.test(name)) throw new ResourceArgError(`${JSON.stringify(arg)}: ${JSON.stringify(name)} is not a Kubernetes name`);
  return name;
}

/**
 * The targets of `args` in `namespace` ('' for all namespaces): `[type]`, `[type, name…]` or
 * `[type/name…]`. A namespace resource's own namespace is its name.
 */
export function parseResourceArgs(args: readonly string[], namespace: string): Resource[] {
  const first = args[0];
  if (first === undefined) throw new ResourceArgError('a resource is required, such as deploy, deploy/web or ns/shop');
  const make = (type: ResourceType, name: string): Resource => ({ type, name, namespace: type === 'namespace' ? name : namespace });
  if (!first.includes('/')) {
    const type = typeOrThrow(first);
    const names = args.slice(1);
    if (type === 'all') {
      if (names.length > 0) throw new ResourceArgError('"all" takes no resource names');
      return statAllTypes.map((each) => make(each, ''));
    }
    if (names.some((name) => name.includes('/'))) throw new ResourceArgError(`mixing "${first}" with type/name arguments is not supported`);
    return names.length === 0 ? [make(type, '')] : names.map((name) => make(type, checkName(name, name)));
  }
  return args.map((arg) => {
    const [typeText, name, extra] = arg.split('/');
    if (extra !== undefined || name === undefined || name === '') throw new ResourceArgError(`${JSON.stringify(arg)} must be TYPE/NAME`);
    const type = typeOrThrow(typeText as string);
    if (type === 'all') throw new ResourceArgError('"all" takes no resource names');
    return make(type, checkName(name, arg));
  });
}

/** One resource for a `--from`/`--to` flag (`deploy/web`, or `svc/web` with `--to-namespace`). */
export function parseResourceFlag(flag: string, value: string, namespace: string): Resource {
  const [resource, extra] = (() => {
    try {
      return parseResourceArgs([value], namespace);
    } catch (error) {
      throw new ResourceArgError(`${flag}: ${(error as Error).message}`);
    }
  })();
  if (resource === undefined || extra !== undefined) throw new ResourceArgError(`${flag}: "all" is not supported as a filter`);
  return resource;
}

/** The label a resource type has on proxy metrics after Linkerd-viz's relabelling. */
export function promLabelOf(type: ResourceType): string {
  return type === 'job' ? 'k8s_job' : type;
}

/** Linkerd's short display name of a type (`deploy`, `po`, …), for `deploy/web` in tables. */
export function shortTypeOf(type: ResourceType): string {
  const short: Partial<Record<ResourceType, string>> = {
    namespace: 'ns', pod: 'po', deployment: 'deploy', statefulset: 'sts', daemonset: 'ds', cronjob: 'cj',
    replicaset: 'rs', replicationcontroller: 'rc', service: 'svc', authority: 'au',
  };
  return short[type] ?? type;
}
