/**
 * The CRDs that `sinew install --crds` prints (manifests/crds/*.yaml): each file is one CRD with
 * Linkerd's names, served versions and storage version; every version's schema is structural; and
 * sample objects are accepted or rejected alike by the CRD schema (through ajv) and by the zod
 * projection the control plane reads the kind with, so the two cannot drift apart silently. The
 * few places where one side cannot say what the other does are listed and pinned as known
 * differences, and generated values check the patterns both sides write down.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { apiVersionOf, type KindSpec } from '../../src/informers/kind.js';
import {
  authorizationPolicyKind,
  httpRouteKind,
  meshTlsAuthenticationKind,
  networkAuthenticationKind,
  serverAuthorizationKind,
  serverKind,
  serviceProfileKind,
} from '../../src/informers/kinds/index.js';
import { validAuthorizationPolicySchema } from '../../src/informers/kinds/authorization-policy.js';
import { validHttpRouteSchema } from '../../src/informers/kinds/http-route.js';
import { validMeshTlsAuthenticationSchema } from '../../src/informers/kinds/mesh-tls-authentication.js';
import { validNetworkAuthenticationSchema } from '../../src/informers/kinds/network-authentication.js';
import { validServerAuthorizationSchema } from '../../src/informers/kinds/server-authorization.js';
import { validServerSchema } from '../../src/informers/kinds/server.js';
import { serviceProfileSchema } from '../../src/informers/kinds/service-profile.js';

type Json = Record<string, unknown>;
type SchemaNode = { readonly [keyword: string]: unknown };

const crdDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'manifests', 'crds');

/** The parts of a CustomResourceDefinition these files may use; anything else is a typo. */
const crdSchema = z.strictObject({
  apiVersion: z.literal('apiextensions.k8s.io/v1'),
  kind: z.literal('CustomResourceDefinition'),
  metadata: z.strictObject({ name: z.string(), labels: z.record(z.string(), z.string()) }),
  spec: z.strictObject({
    group: z.string(),
    scope: z.enum(['Namespaced', 'Cluster']),
    names: z.strictObject({
      kind: z.string(), listKind: z.string().optional(), plural: z.string(), singular: z.string(),
      shortNames: z.array(z.string()).optional(),
    }),
    versions: z.array(z.strictObject({
      name: z.string(),
      served: z.boolean(),
      storage: z.boolean(),
      deprecated: z.boolean().optional(),
      deprecationWarning: z.string().optional(),
      subresources: z.strictObject({ status: z.strictObject({}) }).optional(),
      additionalPrinterColumns: z.array(z.strictObject({
        name: z.string(), type: z.string(), jsonPath: z.string(), description: z.string().optional(),
      })).optional(),
      schema: z.strictObject({ openAPIV3Schema: z.record(z.string(), z.unknown()) }),
    })).min(1),
  }),
});

type Crd = z.infer<typeof crdSchema>;

function loadCrd(file: string): Crd {
  const documents = parseAllDocuments(readFileSync(path.join(crdDir, file), 'utf8'));
  assert.ok(!('empty' in documents), `${file} holds no YAML document`);
  assert.equal(documents.length, 1, `${file} holds ${documents.length} documents`);
  const [document] = documents;
  assert.ok(document !== undefined && document.errors.length === 0, `${file} does not parse`);
  return crdSchema.parse(document.toJS());
}

/** Facts from Linkerd's CRD chart: names, short names, which versions are served, stored, deprecated. */
interface Expected {
  readonly file: string;
  readonly spec: KindSpec;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly served: readonly string[];
  readonly storage: string;
  readonly deprecated: readonly string[];
}

const expected: readonly Expected[] = [
  { file: 'server.yaml', spec: serverKind, singular: 'server', shortNames: ['srv'],
    served: ['v1alpha1', 'v1beta1', 'v1beta2', 'v1beta3'], storage: 'v1beta3', deprecated: ['v1alpha1', 'v1beta1'] },
  { file: 'server-authorization.yaml', spec: serverAuthorizationKind, singular: 'serverauthorization',
    shortNames: ['saz', 'serverauthz', 'srvauthz'], served: ['v1alpha1', 'v1beta1'], storage: 'v1beta1', deprecated: ['v1alpha1'] },
  { file: 'authorization-policy.yaml', spec: authorizationPolicyKind, singular: 'authorizationpolicy',
    shortNames: ['authzpolicy'], served: ['v1alpha1'], storage: 'v1alpha1', deprecated: [] },
  { file: 'mesh-tls-authentication.yaml', spec: meshTlsAuthenticationKind, singular: 'meshtlsauthentication',
    shortNames: ['meshtlsauthn'], served: ['v1alpha1'], storage: 'v1alpha1', deprecated: [] },
  { file: 'network-authentication.yaml', spec: networkAuthenticationKind, singular: 'networkauthentication',
    shortNames: ['netauthn', 'networkauthn'], served: ['v1alpha1'], storage: 'v1alpha1', deprecated: [] },
  { file: 'http-route.yaml', spec: httpRouteKind, singular: 'httproute', shortNames: [],
    served: ['v1alpha1', 'v1beta1', 'v1beta2', 'v1beta3'], storage: 'v1beta3', deprecated: [] },
  { file: 'service-profile.yaml', spec: serviceProfileKind, singular: 'serviceprofile', shortNames: ['sp'],
    served: ['v1alpha1', 'v1alpha2'], storage: 'v1alpha2', deprecated: [] },
];

const crds = new Map<string, Crd>();

/** The CRD in `file`, loaded on first use, so that a broken file fails its tests rather than the run. */
function crdOf(file: string): Crd {
  const crd = crds.get(file) ?? loadCrd(file);
  crds.set(file, crd);
  return crd;
}

describe('CRD manifests', () => {
  it('are exactly the seven Linkerd kinds, and no Gateway API CRD', () => {
    assert.deepEqual(readdirSync(crdDir).sort(), expected.map((entry) => entry.file).sort());
  });

  for (const entry of expected) {
    describe(entry.file, () => {
      it('parses as exactly one CustomResourceDefinition', () => {
        assert.doesNotThrow(() => crdOf(entry.file));
      });

      it(`defines ${entry.spec.kind} under ${entry.spec.plural}.${entry.spec.group}, namespaced, with Linkerd's names`, () => {
        const crd = crdOf(entry.file);
        assert.equal(crd.metadata.name, `${entry.spec.plural}.${entry.spec.group}`);
        assert.equal(crd.spec.group, entry.spec.group);
        assert.equal(crd.spec.scope, entry.spec.namespaced ? 'Namespaced' : 'Cluster');
        assert.equal(crd.spec.names.kind, entry.spec.kind);
        assert.equal(crd.spec.names.plural, entry.spec.plural);
        assert.equal(crd.spec.names.singular, entry.singular);
        assert.deepEqual(crd.spec.names.shortNames ?? [], entry.shortNames);
      });

      it('carries the control-plane label and no Helm-only label', () => {
        assert.deepEqual(crdOf(entry.file).metadata.labels, { 'linkerd.io/control-plane-ns': 'linkerd' });
      });

      it(`serves ${entry.served.join(', ')}, stores only ${entry.storage} and deprecates ${entry.deprecated.join(', ') || 'none'}`, () => {
        const versions = crdOf(entry.file).spec.versions;
        assert.deepEqual(versions.filter((v) => v.served).map((v) => v.name).sort(), [...entry.served].sort());
        assert.deepEqual(versions.filter((v) => v.storage).map((v) => v.name), [entry.storage]);
        assert.deepEqual(versions.filter((v) => v.deprecated === true).map((v) => v.name).sort(), [...entry.deprecated].sort());
        for (const version of versions) {
          assert.equal(version.deprecationWarning !== undefined, version.deprecated === true, `${version.name} warning`);
          assert.ok((version.deprecationWarning ?? '').length <= 256, `${version.name} warning is too long for the API server`);
        }
      });

      it('serves the version the informer watches', () => {
        assert.ok(entry.served.includes(entry.spec.version), `${entry.spec.version} is not served`);
      });

      it('has a structural schema in every version', () => {
        for (const version of crdOf(entry.file).spec.versions) {
          assert.equal(version.schema.openAPIV3Schema['type'], 'object', `${version.name} root`);
          assert.deepEqual(structuralProblems(version.schema.openAPIV3Schema, version.name), []);
        }
      });

      it('has defaults that satisfy the schema they sit in', () => {
        for (const version of crdOf(entry.file).spec.versions) {
          for (const [at, node] of defaultedNodes(version.schema.openAPIV3Schema, version.name)) {
            const validate = ajv.compile(node);
            assert.ok(validate(node['default']), `${at}: ${ajv.errorsText(validate.errors)}`);
          }
        }
      });

      it('has printer columns that point at fields its schema declares', () => {
        for (const version of crdOf(entry.file).spec.versions) {
          for (const column of version.additionalPrinterColumns ?? []) {
            if (column.jsonPath.startsWith('.metadata.')) continue;
            const declared = column.jsonPath.split('.').slice(1)
              .reduce<SchemaNode | undefined>((node, field) => propertyOf(node, field), version.schema.openAPIV3Schema);
            assert.ok(declared !== undefined, `${version.name} column ${column.name}: ${column.jsonPath}`);
          }
        }
      });
    });
  }
});

// ---- Structural schemas, as the API server checks them ------------------------------------------

const KEYWORDS = new Set([
  'type', 'format', 'title', 'description', 'default', 'enum', 'nullable', 'required', 'properties',
  'additionalProperties', 'items', 'allOf', 'anyOf', 'oneOf', 'not', 'maximum', 'exclusiveMaximum',
  'minimum', 'exclusiveMinimum', 'multipleOf', 'maxLength', 'minLength', 'pattern', 'maxItems',
  'minItems', 'maxProperties', 'minProperties', 'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type', 'x-kubernetes-embedded-resource', 'x-kubernetes-validations',
]);
const JUNCTORS = ['allOf', 'anyOf', 'oneOf', 'not'] as const;
/** What a logical junctor may not say: it may only add value checks to fields the skeleton declares. */
const JUNCTOR_FORBIDDEN = ['type', 'title', 'description', 'default', 'additionalProperties', 'nullable'];
const SCALAR_TYPES = new Set(['string', 'integer', 'number', 'boolean']);

function isNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function propertiesOf(node: SchemaNode | undefined): SchemaNode {
  const properties = node?.['properties'];
  return isNode(properties) ? properties : {};
}

function propertyOf(node: SchemaNode | undefined, name: string): SchemaNode | undefined {
  const property = propertiesOf(node)[name];
  return isNode(property) ? property : undefined;
}

/** Every way `node` (at `at`) breaks the rules for structural schemas; empty when it is structural. */
function structuralProblems(node: SchemaNode, at: string): string[] {
  const problems = Object.keys(node).filter((key) => !KEYWORDS.has(key)).map((key) => `${at}: unknown keyword ${key}`);
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const preserve = node['x-kubernetes-preserve-unknown-fields'];
  if (preserve !== undefined && preserve !== true) problems.push(`${at}: x-kubernetes-preserve-unknown-fields is not true`);
  if (intOrString && node['type'] !== undefined) problems.push(`${at}: int-or-string with a type`);
  if (!intOrString && preserve !== true && typeof node['type'] !== 'string') problems.push(`${at}: no type`);
  if (node['properties'] !== undefined && node['additionalProperties'] !== undefined) {
    problems.push(`${at}: both properties and additionalProperties`);
  }
  if (node['additionalProperties'] === false) problems.push(`${at}: additionalProperties is false`);
  if (node['type'] === 'array' && !isNode(node['items'])) problems.push(`${at}: array without one items schema`);
  if (node['type'] !== undefined && node['type'] !== 'object' && node['properties'] !== undefined) {
    problems.push(`${at}: properties on a non-object`);
  }
  for (const [name, child] of Object.entries(propertiesOf(node))) {
    problems.push(...(isNode(child) ? structuralProblems(child, `${at}.${name}`) : [`${at}.${name}: not a schema`]));
  }
  const additional = node['additionalProperties'];
  if (isNode(additional)) problems.push(...structuralProblems(additional, `${at}{}`));
  const items = node['items'];
  if (isNode(items)) problems.push(...structuralProblems(items, `${at}[]`));
  for (const junctor of JUNCTORS) {
    if (node[junctor] === undefined) continue;
    if (junctor === 'anyOf' && intOrString && isIntOrStringAnyOf(node['anyOf'])) continue;
    const branches = junctor === 'not' ? [node[junctor]] : node[junctor];
    if (!Array.isArray(branches)) problems.push(`${at}.${junctor}: not a list`);
    else branches.forEach((branch, i) => problems.push(...junctorProblems(branch, node, `${at}.${junctor}[${i}]`)));
  }
  return [...problems, ...listMapProblems(node, at)];
}

function isIntOrStringAnyOf(anyOf: unknown): boolean {
  return JSON.stringify(anyOf) === JSON.stringify([{ type: 'integer' }, { type: 'string' }]);
}

function junctorProblems(branch: unknown, skeleton: SchemaNode, at: string): string[] {
  if (!isNode(branch)) return [`${at}: not a schema`];
  const problems = Object.keys(branch)
    .filter((key) => JUNCTOR_FORBIDDEN.includes(key) || key.startsWith('x-kubernetes-') || !KEYWORDS.has(key))
    .map((key) => `${at}: ${key} inside a junctor`);
  for (const [name, child] of Object.entries(propertiesOf(branch))) {
    const declared = propertyOf(skeleton, name);
    if (declared === undefined) problems.push(`${at}.${name}: not declared outside the junctor`);
    else problems.push(...junctorProblems(child, declared, `${at}.${name}`));
  }
  if (branch['items'] !== undefined) {
    const declared = skeleton['items'];
    if (isNode(declared)) problems.push(...junctorProblems(branch['items'], declared, `${at}[]`));
    else problems.push(`${at}[]: items not declared outside the junctor`);
  }
  for (const junctor of JUNCTORS) {
    const nested = branch[junctor];
    if (nested === undefined) continue;
    const branches = junctor === 'not' ? [nested] : Array.isArray(nested) ? nested : [undefined];
    branches.forEach((inner, i) => problems.push(...junctorProblems(inner, skeleton, `${at}.${junctor}[${i}]`)));
  }
  return problems;
}

/** A list of type map needs object items whose key fields are required (or defaulted) scalars. */
function listMapProblems(node: SchemaNode, at: string): string[] {
  if (node['x-kubernetes-list-type'] !== 'map') return [];
  const items = isNode(node['items']) ? node['items'] : undefined;
  const keys = node['x-kubernetes-list-map-keys'];
  if (items?.['type'] !== 'object' || !Array.isArray(keys) || keys.length === 0) return [`${at}: malformed list map`];
  const required = Array.isArray(items['required']) ? items['required'] : [];
  return keys.flatMap((key: unknown) => {
    const field = typeof key === 'string' ? propertyOf(items, key) : undefined;
    if (field === undefined || !SCALAR_TYPES.has(String(field['type']))) return [`${at}: list map key ${String(key)} is not a scalar field`];
    return required.includes(key) || field['default'] !== undefined ? [] : [`${at}: list map key ${String(key)} is optional`];
  });
}

/** Every node of the skeleton that declares a default, with where it is. */
function defaultedNodes(node: SchemaNode, at: string): Array<[string, SchemaNode]> {
  const found: Array<[string, SchemaNode]> = node['default'] === undefined ? [] : [[at, node]];
  for (const [name, child] of Object.entries(propertiesOf(node))) {
    if (isNode(child)) found.push(...defaultedNodes(child, `${at}.${name}`));
  }
  const items = node['items'];
  if (isNode(items)) found.push(...defaultedNodes(items, `${at}[]`));
  return found;
}

// ---- Validating objects against a CRD version, as the API server would --------------------------

/** Ajv with the OpenAPI formats and Kubernetes extensions the CRDs use; it does not prune. */
const ajv = new Ajv({ allErrors: true, strictTypes: false });
ajv.addVocabulary([
  'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys',
]);
ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
ajv.addFormat('float', { type: 'number', validate: (n: number) => Number.isFinite(n) });
ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
ajv.addFormat('duration', /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/);

const validators = new Map<string, ValidateFunction>();

/** The validator for `apiVersion` of `kind`, compiled once. */
function crdValidator(apiVersion: string, kind: string): ValidateFunction {
  const cached = validators.get(apiVersion + kind);
  if (cached !== undefined) return cached;
  const [group, version] = apiVersion.split('/');
  const crd = expected.map((entry) => crdOf(entry.file)).find((c) => c.spec.group === group && c.spec.names.kind === kind);
  const served = crd?.spec.versions.find((v) => v.name === version && v.served);
  assert.ok(served !== undefined, `${apiVersion} ${kind} is not served`);
  const validate = ajv.compile(served.schema.openAPIV3Schema);
  validators.set(apiVersion + kind, validate);
  return validate;
}

function crdAccepts(object: Json): boolean {
  return crdValidator(String(object['apiVersion']), String(object['kind']))(object);
}

/**
 * What the control plane reads: an object written at any served version is read back at the
 * version the informer watches with the same body (the CRDs convert with strategy None).
 */
function zodAccepts(object: Json, spec: KindSpec, schema: z.ZodType): boolean {
  return schema.safeParse({ ...object, apiVersion: apiVersionOf(spec) }).success;
}


// ---- Samples: accepted or rejected alike by the CRD and by zod -----------------------------------

interface KindSamples {
  readonly spec: KindSpec;
  readonly zod: z.ZodType;
  readonly valid: ReadonlyArray<readonly [string, Json]>;
  readonly invalid: ReadonlyArray<readonly [string, Json]>;
}

function sample(kind: string, apiVersion: string, spec: Json): Json {
  return { apiVersion, kind, metadata: { name: 'web.shop.svc.cluster.local', namespace: 'shop', resourceVersion: '1' }, spec };
}

const server = (spec: Json, version = 'v1beta3'): Json => sample('Server', `policy.linkerd.io/${version}`, spec);
const saz = (spec: Json, version = 'v1beta1'): Json => sample('ServerAuthorization', `policy.linkerd.io/${version}`, spec);
const authz = (spec: Json): Json => sample('AuthorizationPolicy', 'policy.linkerd.io/v1alpha1', spec);
const meshTls = (spec: Json): Json => sample('MeshTLSAuthentication', 'policy.linkerd.io/v1alpha1', spec);
const networks = (spec: Json): Json => sample('NetworkAuthentication', 'policy.linkerd.io/v1alpha1', spec);
const route = (spec: Json, version = 'v1beta3'): Json => sample('HTTPRoute', `policy.linkerd.io/${version}`, spec);
const profile = (spec: Json, version = 'v1alpha2'): Json => sample('ServiceProfile', `linkerd.io/${version}`, spec);

const webServer = { podSelector: { matchLabels: { app: 'web' } }, port: 'http', proxyProtocol: 'HTTP/2' };
const target = { group: 'policy.linkerd.io', kind: 'Server', name: 'web-http' };
const serviceParent = { group: '', kind: 'Service', name: 'web', port: 80 };
const redirectRule = {
  matches: [{ path: { type: 'Exact', value: '/old' } }],
  filters: [{ type: 'RequestRedirect', requestRedirect: {
    scheme: 'https', hostname: 'shop.example.com', path: { type: 'ReplaceFullPath', replaceFullPath: '/new' }, port: 443, statusCode: 301,
  } }],
};
const splitRule = {
  matches: [{
    path: { type: 'PathPrefix', value: '/api' }, method: 'GET', queryParams: [{ name: 'debug', value: '1' }],
    headers: [{ name: 'x-canary', value: 'true' }, { type: 'RegularExpression', name: 'user-agent', value: '.*bot.*' }],
  }],
  filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: {
    set: [{ name: 'x-route', value: 'api' }], add: [{ name: 'x-via', value: 'sinew' }], remove: ['x-internal'],
  } }],
  backendRefs: [
    { name: 'web-v1', port: 80, weight: 90 },
    { group: '', kind: 'Service', name: 'web-v2', namespace: 'shop', port: 80, weight: 10, filters: [
      { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'x-version', value: 'v2' }] } },
    ] },
  ],
  timeouts: { request: '10s', backendRequest: '1m30s' },
};
const rule = (extra: Json): Json => ({ parentRefs: [serviceParent], rules: [{ ...extra }] });
const booksRoute = {
  name: 'GET /books/{id}', condition: { method: 'GET', pathRegex: '/books/[^/]*' }, isRetryable: true, timeout: '300ms',
  responseClasses: [{ condition: { status: { min: 500, max: 599 } }, isFailure: true }],
};

const samples: readonly KindSamples[] = [
  { spec: serverKind, zod: validServerSchema, valid: [
    ['a v1beta3 Server on a named port with an access policy', server({ ...webServer, accessPolicy: 'audit' })],
    ['a v1beta2 Server selecting external workloads by port number', server({
      externalWorkloadSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['db'] }] }, port: 5432, proxyProtocol: 'opaque',
    }, 'v1beta2')],
    ['a v1beta1 Server with an empty pod selector', server({ podSelector: {}, port: 8080 }, 'v1beta1')],
    ['a v1alpha1 Server', server({ podSelector: { matchLabels: { app: 'web' } }, port: 'admin-http' }, 'v1alpha1')],
  ], invalid: [
    ['a Server without a port', server({ podSelector: {} })],
    ['a Server on port 0', server({ ...webServer, port: 0 })],
    ['a Server on port 65536', server({ ...webServer, port: 65536 })],
    ['a Server on a port name with a double hyphen', server({ ...webServer, port: 'admin--http' })],
    ['a Server on a port name of 16 characters', server({ ...webServer, port: 'admin-http-proxy' })],
    ['a Server with an unknown proxyProtocol', server({ ...webServer, proxyProtocol: 'HTTP/3' })],
    ['a Server with both selectors', server({ ...webServer, externalWorkloadSelector: {} })],
    ['a Server with neither selector', server({ port: 80 })],
    ['a Server with an unknown selector operator', server({ ...webServer, podSelector: { matchExpressions: [{ key: 'app', operator: 'Like' }] } })],
    ['a Server with a label value that is not a string', server({ ...webServer, podSelector: { matchLabels: { app: 1 } } })],
  ] },
  { spec: serverAuthorizationKind, zod: validServerAuthorizationSchema, valid: [
    ['a ServerAuthorization naming a Server, for identities and service accounts', saz({ server: { name: 'web-http' }, client: { meshTLS: {
      identities: ['*.shop.serviceaccount.identity.linkerd.cluster.local'], serviceAccounts: [{ name: 'checkout' }, { name: 'prom', namespace: 'monitoring' }],
    } } })],
    ['a v1alpha1 ServerAuthorization selecting Servers, for unauthenticated clients in some networks', saz({
      server: { selector: { matchLabels: { tier: 'web' } } },
      client: { unauthenticated: true, networks: [{ cidr: '10.0.0.0/8', except: ['10.1.2.3'] }, { cidr: 'fd00::/8' }] },
    }, 'v1alpha1')],
    ['a ServerAuthorization for TLS clients without an identity', saz({ server: { name: 'identity-grpc' }, client: { meshTLS: { unauthenticatedTLS: true } } })],
  ], invalid: [
    ['a ServerAuthorization without a client', saz({ server: { name: 'web-http' } })],
    ['a ServerAuthorization naming and selecting a Server at once', saz({ server: { name: 'web-http', selector: {} }, client: { unauthenticated: true } })],
    ['a ServerAuthorization neither naming nor selecting a Server', saz({ server: {}, client: { unauthenticated: true } })],
    ['a ServerAuthorization naming a Server by a non-DNS name', saz({ server: { name: 'Web_HTTP' }, client: { unauthenticated: true } })],
    ['a ServerAuthorization with a malformed identity', saz({ server: { name: 'web-http' }, client: { meshTLS: { identities: ['bad identity'] } } })],
    ['a ServerAuthorization with a network that is not a CIDR', saz({ server: { name: 'web-http' }, client: { networks: [{ cidr: 'ten.0.0.0/8' }] } })],
    ['a ServerAuthorization with a nameless service account', saz({ server: { name: 'web-http' }, client: { meshTLS: { serviceAccounts: [{ namespace: 'shop' }] } } })],
  ] },
  { spec: authorizationPolicyKind, zod: validAuthorizationPolicySchema, valid: [
    ['an AuthorizationPolicy on a Server requiring a MeshTLSAuthentication and a ServiceAccount', authz({ targetRef: target, requiredAuthenticationRefs: [
      { group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: 'web-clients' }, { kind: 'ServiceAccount', name: 'checkout', namespace: 'shop' },
    ] })],
    ['an AuthorizationPolicy on a Namespace requiring nothing', authz({ targetRef: { kind: 'Namespace', name: 'shop' }, requiredAuthenticationRefs: [] })],
  ], invalid: [
    ['an AuthorizationPolicy without requiredAuthenticationRefs', authz({ targetRef: target })],
    ['an AuthorizationPolicy whose target has no kind', authz({ targetRef: { name: 'web-http' }, requiredAuthenticationRefs: [] })],
    ['an AuthorizationPolicy whose target kind is not a kind', authz({ targetRef: { ...target, kind: '1Server' }, requiredAuthenticationRefs: [] })],
    ['an AuthorizationPolicy whose target name is empty', authz({ targetRef: { ...target, name: '' }, requiredAuthenticationRefs: [] })],
    ['an AuthorizationPolicy whose target group is not a DNS name', authz({ targetRef: { ...target, group: 'Policy.Linkerd.IO' }, requiredAuthenticationRefs: [] })],
    ['an AuthorizationPolicy with a nameless authentication ref', authz({ targetRef: target, requiredAuthenticationRefs: [{ kind: 'NetworkAuthentication' }] })],
  ] },
  { spec: meshTlsAuthenticationKind, zod: validMeshTlsAuthenticationSchema, valid: [
    ['a MeshTLSAuthentication admitting every authenticated client', meshTls({ identities: ['*'] })],
    ['a MeshTLSAuthentication admitting one identity and a domain', meshTls({ identities: [
      'web.shop.serviceaccount.identity.linkerd.cluster.local', '*.monitoring.serviceaccount.identity.linkerd.cluster.local',
    ] })],
    ['a MeshTLSAuthentication admitting a ServiceAccount and a Namespace', meshTls({ identityRefs: [
      { kind: 'ServiceAccount', name: 'checkout' }, { kind: 'Namespace', name: 'monitoring' },
    ] })],
  ], invalid: [
    ['a MeshTLSAuthentication with both identities and identityRefs', meshTls({ identities: ['*'], identityRefs: [{ kind: 'Namespace' }] })],
    ['a MeshTLSAuthentication with neither', meshTls({})],
    ['a MeshTLSAuthentication with an upper-case identity', meshTls({ identities: ['Web.shop'] })],
    ['a MeshTLSAuthentication with a kindless identity ref', meshTls({ identityRefs: [{ name: 'checkout' }] })],
    ['a MeshTLSAuthentication with an empty identity ref name', meshTls({ identityRefs: [{ kind: 'ServiceAccount', name: '' }] })],
  ] },
  { spec: networkAuthenticationKind, zod: validNetworkAuthenticationSchema, valid: [
    ['a NetworkAuthentication with IPv4 and IPv6 networks, exceptions and a single address', networks({ networks: [
      { cidr: '10.0.0.0/8', except: ['10.1.0.0/16', '10.2.3.4'] }, { cidr: '::/0' }, { cidr: '192.168.1.1' },
    ] })],
  ], invalid: [
    ['a NetworkAuthentication without networks', networks({})],
    ['a NetworkAuthentication with a network without a cidr', networks({ networks: [{ except: [] }] })],
    ['a NetworkAuthentication with a cidr that is a name', networks({ networks: [{ cidr: 'ten.0.0.0/8' }] })],
    ['a NetworkAuthentication with a malformed exception', networks({ networks: [{ cidr: '10.0.0.0/8', except: ['10.0.0.0/8x'] }] })],
  ] },
  { spec: httpRouteKind, zod: validHttpRouteSchema, valid: [
    ['a v1beta3 HTTPRoute on a Service with matches, filters, weighted backends and timeouts', route({
      parentRefs: [serviceParent], hostnames: ['web.shop.svc.cluster.local', '*.example.com'], rules: [splitRule, redirectRule],
    })],
    ['a v1beta2 HTTPRoute on a Server with a redirect', route({ parentRefs: [target], rules: [redirectRule] }, 'v1beta2')],
    ['a v1beta1 HTTPRoute matching by method', route({
      parentRefs: [target], rules: [{ matches: [{ method: 'POST' }], backendRefs: [{ name: 'web', port: 8080 }] }],
    }, 'v1beta1')],
    ['a v1alpha1 HTTPRoute without rules', route({ parentRefs: [target] }, 'v1alpha1')],
  ], invalid: [
    ['an HTTPRoute with a nameless parentRef', route({ parentRefs: [{ kind: 'Server' }] })],
    ['an HTTPRoute with a parentRef on port 70000', route({ parentRefs: [{ ...serviceParent, port: 70000 }] })],
    ['an HTTPRoute matching an unknown method', route(rule({ matches: [{ method: 'FETCH' }] }))],
    ['an HTTPRoute with an unknown path match type', route(rule({ matches: [{ path: { type: 'Prefix', value: '/' } }] }))],
    ['an HTTPRoute matching a header name with a space', route(rule({ matches: [{ headers: [{ name: 'x canary', value: '1' }] }] }))],
    ['an HTTPRoute with a filter that lacks the field its type names', route(rule({ filters: [{ type: 'RequestHeaderModifier' }] }))],
    ['an HTTPRoute with a redirect path that lacks the field its type names', route(rule({ filters: [
      { type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplacePrefixMatch', replaceFullPath: '/x' } } },
    ] }))],
    ['an HTTPRoute with a negative backend weight', route(rule({ backendRefs: [{ name: 'web', port: 80, weight: -1 }] }))],
    ['an HTTPRoute with a nameless backend', route(rule({ backendRefs: [{ port: 80 }] }))],
    ['an HTTPRoute with a timeout that is not a duration', route(rule({ timeouts: { request: '10 seconds' } }))],
    ['an HTTPRoute with a wildcard inside a hostname', route({ parentRefs: [serviceParent], hostnames: ['web.*.example.com'] })],
  ] },
  { spec: serviceProfileKind, zod: serviceProfileSchema, valid: [
    ['a ServiceProfile with routes, a retry budget, a traffic split and opaque ports', profile({
      routes: [booksRoute, { name: 'all but health', condition: { all: [{ pathRegex: '/.*' }], not: { pathRegex: '/health' } } }],
      retryBudget: { retryRatio: 0.2, minRetriesPerSecond: 10, ttl: '10s' },
      dstOverrides: [{ authority: 'web-v1.shop.svc.cluster.local:80', weight: '500m' }, { authority: 'web-v2.shop.svc.cluster.local:80', weight: 1 }],
      opaquePorts: ['3306', '4000-4100'],
    })],
    ['a ServiceProfile negating a list of conditions, as older profiles write it', profile({ routes: [{ name: 'writes', condition: { not: [{ method: 'GET' }] } }] })],
    ['a v1alpha1 ServiceProfile', profile({ routes: [booksRoute] }, 'v1alpha1')],
    ['an empty ServiceProfile', profile({})],
  ], invalid: [
    ['a ServiceProfile with a nameless route', profile({ routes: [{ condition: { method: 'GET' } }] })],
    ['a ServiceProfile with a route without a condition', profile({ routes: [{ name: 'GET /' }] })],
    ['a ServiceProfile with a response class without a condition', profile({ routes: [{ ...booksRoute, responseClasses: [{ isFailure: true }] }] })],
    ['a ServiceProfile with a status range past 999', profile({ routes: [{ ...booksRoute, responseClasses: [{ condition: { status: { max: 1000 } } }] }] })],
    ['a ServiceProfile with a retry budget without a ttl', profile({ retryBudget: { retryRatio: 0.2, minRetriesPerSecond: 10 } })],
    ['a ServiceProfile with a negative retry ratio', profile({ retryBudget: { retryRatio: -0.5, minRetriesPerSecond: 10, ttl: '10s' } })],
    ['a ServiceProfile with a negative traffic-split weight', profile({ dstOverrides: [{ authority: 'web:80', weight: '-1' }] })],
    ['a ServiceProfile with a traffic split without an authority', profile({ dstOverrides: [{ weight: 1 }] })],
  ] },
];

/** A sample only one side accepts, because the other cannot (or, following Linkerd, does not) say it. */
interface Difference {
  readonly name: string;
  readonly spec: KindSpec;
  readonly zod: z.ZodType;
  readonly object: Json;
  readonly crd: boolean;
  readonly zodResult: boolean;
}

/** Pinned, so that a change on either side shows up here. */
const differences: readonly Difference[] = [
  { name: 'a URLRewrite filter (Linkerd\'s HTTPRoute allows fewer filters than Gateway API\'s)', spec: httpRouteKind, zod: validHttpRouteSchema,
    object: route(rule({ filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'web' } }] })), crd: false, zodResult: true },
  { name: 'a 307 redirect (Linkerd\'s HTTPRoute allows 301 and 302)', spec: httpRouteKind, zod: validHttpRouteSchema,
    object: route(rule({ filters: [{ type: 'RequestRedirect', requestRedirect: { statusCode: 307 } }] })), crd: false, zodResult: true },
  { name: 'an empty header match value (Linkerd requires at least one character)', spec: httpRouteKind, zod: validHttpRouteSchema,
    object: route(rule({ matches: [{ headers: [{ name: 'x-empty', value: '' }] }] })), crd: false, zodResult: true },
  { name: 'seventeen hostnames (Linkerd allows 16)', spec: httpRouteKind, zod: validHttpRouteSchema,
    object: route({ hostnames: Array.from({ length: 17 }, (_, i) => `h${i}.example.com`) }), crd: false, zodResult: true },
  { name: 'a v1alpha1 Server with an empty pod selector (Linkerd\'s v1alpha1 rule)', spec: serverKind, zod: validServerSchema,
    object: server({ podSelector: {}, port: 80 }, 'v1alpha1'), crd: false, zodResult: true },
  { name: 'a v1alpha1 ServiceProfile without routes (Linkerd\'s v1alpha1 rule)', spec: serviceProfileKind, zod: serviceProfileSchema,
    object: profile({}, 'v1alpha1'), crd: false, zodResult: true },
  { name: 'a network with an octet over 255 (the CRD pattern checks only the shape)', spec: networkAuthenticationKind,
    zod: validNetworkAuthenticationSchema, object: networks({ networks: [{ cidr: '300.0.0.0/8' }] }), crd: true, zodResult: false },
  { name: 'a negated request condition that is a string (the CRD leaves `not` untyped: object or list)', spec: serviceProfileKind,
    zod: serviceProfileSchema, object: profile({ routes: [{ name: 'x', condition: { not: 'GET' } }] }), crd: true, zodResult: false },
];

describe('CRD schemas and zod projections', () => {
  for (const kind of samples) {
    describe(kind.spec.kind, () => {
      for (const [name, object] of kind.valid) {
        it(`both accept ${name}`, () => {
          assert.ok(crdAccepts(object), `CRD rejects: ${ajv.errorsText(crdValidator(String(object['apiVersion']), kind.spec.kind).errors)}`);
          assert.ok(zodAccepts(object, kind.spec, kind.zod), 'zod rejects');
        });
      }
      for (const [name, object] of kind.invalid) {
        it(`both reject ${name}`, () => {
          assert.equal(crdAccepts(object), false, 'CRD accepts');
          assert.equal(zodAccepts(object, kind.spec, kind.zod), false, 'zod accepts');
        });
      }
    });
  }

  describe('known differences', () => {
    for (const known of differences) {
      it(`${known.crd ? 'only the CRD accepts' : 'only zod accepts'} ${known.name}`, () => {
        assert.equal(crdAccepts(known.object), known.crd, 'CRD');
        assert.equal(zodAccepts(known.object, known.spec, known.zod), known.zodResult, 'zod');
      });
    }
  });

  const both = (object: Json, spec: KindSpec, schema: z.ZodType): [boolean, boolean] => [crdAccepts(object), zodAccepts(object, spec, schema)];
  const chars = (alphabet: string, maxLength: number) => fc.string({ unit: fc.constantFrom(...alphabet), maxLength });

  it('accept exactly the same Server ports (property)', () => {
    const port = fc.oneof(fc.integer({ min: -3, max: 65540 }), chars('ab09-Z', 17));
    fc.assert(fc.property(port, (value) => {
      const [crd, zod] = both(server({ ...webServer, port: value }), serverKind, validServerSchema);
      assert.equal(crd, zod, `port ${JSON.stringify(value)}`);
    }), { numRuns: 500 });
  });

  it('accept in the CRD every network zod accepts (property)', () => {
    const address = fc.oneof(fc.ipV4(), fc.ipV6());
    const cidr = fc.oneof(address, fc.tuple(address, fc.integer({ min: 0, max: 200 })).map(([a, p]) => `${a}/${p}`), chars('019af:./%', 16));
    fc.assert(fc.property(cidr, (value) => {
      const [crd, zod] = both(networks({ networks: [{ cidr: value }] }), networkAuthenticationKind, validNetworkAuthenticationSchema);
      assert.ok(crd || !zod, `cidr ${value}`);
    }), { numRuns: 500 });
  });

  it('accept exactly the same traffic-split weights (property)', () => {
    const weight = fc.oneof(fc.integer({ min: -3, max: 3 }), chars('019.+-eEkmMGiT', 8));
    fc.assert(fc.property(weight, (value) => {
      const [crd, zod] = both(profile({ dstOverrides: [{ authority: 'web:80', weight: value }] }), serviceProfileKind, serviceProfileSchema);
      assert.equal(crd, zod, `weight ${JSON.stringify(value)}`);
    }), { numRuns: 500 });
  });

  it('accept exactly the same route timeouts (property)', () => {
    fc.assert(fc.property(chars('0159hms', 12), (value) => {
      const [crd, zod] = both(route(rule({ timeouts: { request: value } })), httpRouteKind, validHttpRouteSchema);
      assert.equal(crd, zod, `timeout ${value}`);
    }), { numRuns: 500 });
  });
});
