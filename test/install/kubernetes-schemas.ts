/**
 * Validation of rendered objects against the Kubernetes OpenAPI schemas, as the kubernetes-models
 * package compiles them (one ajv validator per definition), made strict about unknown fields.
 *
 * The schemas themselves accept fields they do not define (the API server would drop them
 * silently, so a misspelt `readinesProbe` would simply vanish). To catch those, the object is
 * validated through a Proxy that notes every property the validator looks at, present or absent:
 * an object the validator inspected (it read at least one property of it) but one of whose keys it
 * never read holds a key the schema does not define. Objects the validator never looks into
 * (free-form JSON, such as a CRD schema's `default`) are not judged.
 */

export interface SchemaProblem {
  readonly path: string;
  readonly message: string;
}

interface CompiledValidator {
  (data: unknown): boolean;
  errors?: readonly { readonly instancePath: string; readonly message?: string; readonly params?: unknown }[] | null;
}

/** apiVersion/kind → the kubernetes-models schema module that defines it. */
const definitions: Readonly<Record<string, string>> = {
  'v1/Namespace': 'IoK8sApiCoreV1Namespace',
  'v1/ServiceAccount': 'IoK8sApiCoreV1ServiceAccount',
  'v1/ConfigMap': 'IoK8sApiCoreV1ConfigMap',
  'v1/Secret': 'IoK8sApiCoreV1Secret',
  'v1/Service': 'IoK8sApiCoreV1Service',
  'v1/Pod': 'IoK8sApiCoreV1Pod',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'IoK8sApiRbacV1ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'IoK8sApiRbacV1ClusterRoleBinding',
  'apps/v1/Deployment': 'IoK8sApiAppsV1Deployment',
  'policy/v1/PodDisruptionBudget': 'IoK8sApiPolicyV1PodDisruptionBudget',
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration': 'IoK8sApiAdmissionregistrationV1MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration': 'IoK8sApiAdmissionregistrationV1ValidatingWebhookConfiguration',
  'apiextensions.k8s.io/v1/CustomResourceDefinition': 'IoK8sApiextensionsApiserverPkgApisApiextensionsV1CustomResourceDefinition',
};

const loaded = new Map<string, CompiledValidator>();

async function validatorFor(definition: string): Promise<CompiledValidator> {
  const cached = loaded.get(definition);
  if (cached !== undefined) return cached;
  // The compiled schemas are not among the package's exports; they sit beside its modules.
  const specifier = new URL(`../_schemas/${definition}.mjs`, import.meta.resolve('kubernetes-models/v1')).href;
  const module: unknown = await import(specifier);
  const validate = (module as { validate?: unknown }).validate;
  if (typeof validate !== 'function') throw new Error(`${specifier} exports no validate function`);
  const validator = validate as CompiledValidator;
  loaded.set(definition, validator);
  return validator;
}

type Json = Readonly<Record<string, unknown>>;

/** Wraps `root` so that every property read, at any depth, is noted against its object. */
function watchReads(root: object): { proxy: object; reads: Map<object, Set<PropertyKey>> } {
  const reads = new Map<object, Set<PropertyKey>>();
  const proxies = new WeakMap<object, object>();
  const wrap = (target: object): object => {
    const existing = proxies.get(target);
    if (existing !== undefined) return existing;
    const proxy = new Proxy(target, {
      get(object, key, receiver) {
        if (typeof key === 'string' && !Array.isArray(object)) {
          const seen = reads.get(object) ?? new Set<PropertyKey>();
          seen.add(key);
          reads.set(object, seen);
        }
        const value: unknown = Reflect.get(object, key, receiver);
        return typeof value === 'object' && value !== null ? wrap(value) : value;
      },
    });
    proxies.set(target, proxy);
    return proxy;
  };
  return { proxy: wrap(root), reads };
}

/**
 * Fields the compiled schemas leave out although the API defines them: kubernetes-models drops
 * every property named `description` (it strips documentation) and the `x-kubernetes-*`
 * extensions, which CRDs use (JSONSchemaProps, CustomResourceColumnDefinition).
 */
function droppedByTheCompiler(kind: string, key: string): boolean {
  return kind === 'CustomResourceDefinition' && (key === 'description' || key.startsWith('x-kubernetes-'));
}

/** Keys the validator never read, in objects it did inspect. */
function unknownFields(kind: string, root: unknown, reads: ReadonlyMap<object, ReadonlySet<PropertyKey>>, path: string): SchemaProblem[] {
  if (typeof root !== 'object' || root === null) return [];
  if (Array.isArray(root)) return root.flatMap((item, index) => unknownFields(kind, item, reads, `${path}/${index}`));
  const seen = reads.get(root);
  if (seen === undefined) return [];
  return Object.entries(root as Json).flatMap(([key, value]) => {
    if (seen.has(key)) return unknownFields(kind, value, reads, `${path}/${key}`);
    return droppedByTheCompiler(kind, key) ? [] : [{ path: `${path}/${key}`, message: 'is not a field of this object in the Kubernetes schema' }];
  });
}

/** Every way `object` departs from its kind's Kubernetes schema; empty when it conforms. */
export async function schemaProblems(object: Json): Promise<SchemaProblem[]> {
  const definition = definitions[`${String(object['apiVersion'])}/${String(object['kind'])}`];
  if (definition === undefined) return [{ path: '', message: `no schema known for ${String(object['apiVersion'])} ${String(object['kind'])}` }];
  const validate = await validatorFor(definition);
  const { proxy, reads } = watchReads(object);
  const valid = validate(proxy);
  const errors = valid ? [] : (validate.errors ?? []).map((error) => ({
    path: error.instancePath, message: `${error.message ?? 'is invalid'} ${JSON.stringify(error.params ?? {})}`,
  }));
  return [...errors, ...unknownFields(String(object['kind']), object, reads, '')];
}

/** `Kind/name: path message` lines for every problem of every object. */
export async function describeSchemaProblems(objects: readonly Json[]): Promise<string[]> {
  const lines: string[] = [];
  for (const object of objects) {
    const metadata = object['metadata'] as { name?: string } | undefined;
    for (const problem of await schemaProblems(object)) lines.push(`${String(object['kind'])}/${metadata?.name ?? '?'}: ${problem.path} ${problem.message}`);
  }
  return lines;
}
