/**
 * Admission examples: for every kind a webhook validates, one valid object as a user would apply
 * it, and invalid variants with the field a denial must name and what it must say about it.
 */
type Json = Record<string, unknown>;

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface InvalidExample {
  /** Read after "denies a <kind> whose …". */
  readonly why: string;
  readonly object: Json;
  /** The field path the denial names, e.g. `spec.port`. */
  readonly field: string;
  /** What the denial says of it. */
  readonly says: RegExp;
}

export interface KindExamples {
  readonly label: string;
  readonly path: '/policy' | '/sp';
  readonly gvk: GroupVersionKind;
  readonly valid: Json;
  /** More valid shapes of the same kind (older versions, optional fields). */
  readonly alsoValid: readonly (readonly [string, Json])[];
  readonly invalid: readonly InvalidExample[];
}

function object(apiVersion: string, kind: string, name: string, spec: Json): Json {
  return { apiVersion, kind, metadata: { name, namespace: 'shop', labels: { app: 'web' } }, spec };
}

function withSpec(base: Json, spec: Json): Json {
  return { ...base, spec: { ...(base['spec'] as Json), ...spec } };
}

const server = object('policy.linkerd.io/v1beta3', 'Server', 'web-http', {
  podSelector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend'] }] },
  port: 'http', proxyProtocol: 'HTTP/1', accessPolicy: 'deny',
});

const serverAuthorization = object('policy.linkerd.io/v1beta1', 'ServerAuthorization', 'web-clients', {
  server: { name: 'web-http' },
  client: { meshTLS: { serviceAccounts: [{ name: 'gateway', namespace: 'ingress' }] }, networks: [{ cidr: '10.0.0.0/8', except: ['10.0.99.0/24'] }] },
});

const authorizationPolicy = object('policy.linkerd.io/v1alpha1', 'AuthorizationPolicy', 'web-authz', {
  targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'web-http' },
  requiredAuthenticationRefs: [
    { group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: 'shop-clients' },
    { group: 'policy.linkerd.io', kind: 'NetworkAuthentication', name: 'cluster-net', namespace: 'linkerd' },
  ],
});

const meshTlsAuthentication = object('policy.linkerd.io/v1alpha1', 'MeshTLSAuthentication', 'shop-clients', {
  identityRefs: [{ kind: 'ServiceAccount', name: 'gateway', namespace: 'ingress' }, { kind: 'Namespace', name: 'shop' }],
});

const networkAuthentication = object('policy.linkerd.io/v1alpha1', 'NetworkAuthentication', 'cluster-net', {
  networks: [{ cidr: '10.0.0.0/8', except: ['10.0.99.0/24', '10.0.1.1'] }, { cidr: 'fd00::/8' }],
});

const httpRoute = object('policy.linkerd.io/v1beta3', 'HTTPRoute', 'web-api', {
  parentRefs: [{ group: 'policy.linkerd.io', kind: 'Server', name: 'web-http' }],
  hostnames: ['web.shop.svc.cluster.local'],
  rules: [{
    matches: [{ path: { type: 'PathPrefix', value: '/api' }, headers: [{ type: 'RegularExpression', name: 'x-tenant', value: '^(blue|green)$' }], method: 'GET' }],
    filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-route', value: 'api' }] } }],
    timeouts: { request: '10s', backendRequest: '2s' },
  }],
});

const gatewayHttpRoute = object('gateway.networking.k8s.io/v1', 'HTTPRoute', 'web-split', {
  parentRefs: [{ group: '', kind: 'Service', name: 'web', port: 80 }],
  rules: [{
    name: 'canary',
    backendRefs: [{ name: 'web', port: 80, weight: 90 }, { group: '', kind: 'Service', name: 'web-canary', port: 80, weight: 10 }],
    retry: { codes: [503], attempts: 2, backoff: '100ms' },
  }],
});

const grpcRoute = object('gateway.networking.k8s.io/v1', 'GRPCRoute', 'catalog', {
  parentRefs: [{ group: '', kind: 'Service', name: 'catalog', port: 9090 }],
  rules: [{
    matches: [{ method: { type: 'Exact', service: 'shop.Catalog', method: 'List' }, headers: [{ name: 'x-tenant', value: 'blue' }] }],
    backendRefs: [{ name: 'catalog', port: 9090 }],
  }],
});

const serviceProfile = {
  apiVersion: 'linkerd.io/v1alpha2', kind: 'ServiceProfile',
  metadata: { name: 'web.shop.svc.cluster.local', namespace: 'shop' },
  spec: {
    routes: [{
      name: 'GET /api/items/{id}',
      condition: { all: [{ method: 'GET' }, { pathRegex: '/api/items/[^/]*' }] },
      responseClasses: [{ condition: { any: [{ status: { min: 500, max: 599 } }, { not: { status: { min: 200, max: 399 } } }] }, isFailure: true }],
      isRetryable: true,
      timeout: '300ms',
    }],
    retryBudget: { retryRatio: 0.2, minRetriesPerSecond: 10, ttl: '10s' },
    dstOverrides: [{ authority: 'web.shop.svc.cluster.local:80', weight: '500m' }],
    opaquePorts: ['3306'],
  },
};

const policy = 'policy.linkerd.io';
const gateway = 'gateway.networking.k8s.io';

export const examples: readonly KindExamples[] = [
  {
    label: 'Server', path: '/policy', gvk: { group: policy, version: 'v1beta3', kind: 'Server' }, valid: server,
    alsoValid: [
      ['at v1beta1 with a numeric port and an empty selector', { ...object('policy.linkerd.io/v1beta1', 'Server', 'all-8080', { podSelector: {}, port: 8080 }) }],
      ['selecting external workloads', object('policy.linkerd.io/v1beta3', 'Server', 'vm', { externalWorkloadSelector: { matchLabels: { app: 'vm' } }, port: 8443 })],
    ],
    invalid: [
      { why: 'port is not an IANA service name', object: withSpec(server, { port: 'HTTP!' }), field: 'spec.port', says: /expected a port name \(IANA service name\)/ },
      { why: 'port is out of range', object: withSpec(server, { port: 70000 }), field: 'spec.port', says: /<=65535/ },
      { why: 'proxy protocol is unknown', object: withSpec(server, { proxyProtocol: 'HTTP/3' }), field: 'spec.proxyProtocol', says: /expected one of/ },
      { why: 'access policy is not a default policy', object: withSpec(server, { accessPolicy: 'allow-everyone' }), field: 'spec.accessPolicy', says: /all-unauthenticated/ },
      { why: 'selects both pods and external workloads', object: withSpec(server, { externalWorkloadSelector: {} }), field: 'spec.podSelector', says: /exactly one of podSelector and externalWorkloadSelector/ },
      { why: 'selector has an unknown operator', object: withSpec(server, { podSelector: { matchExpressions: [{ key: 'tier', operator: 'Matches' }] } }), field: 'spec.podSelector.matchExpressions[0].operator', says: /expected one of/ },
      { why: 'spec has a field Sinew does not know', object: withSpec(server, { allowedClients: ['gateway'] }), field: 'spec.allowedClients', says: /^unknown field$/ },
    ],
  },
  {
    label: 'ServerAuthorization', path: '/policy', gvk: { group: policy, version: 'v1beta1', kind: 'ServerAuthorization' }, valid: serverAuthorization,
    alsoValid: [['for unauthenticated clients by server selector', withSpec(serverAuthorization, { server: { selector: { matchLabels: { app: 'web' } } }, client: { unauthenticated: true } })]],
    invalid: [
      { why: 'server names both a name and a selector', object: withSpec(serverAuthorization, { server: { name: 'web-http', selector: {} } }), field: 'spec.server.name', says: /exactly one of name and selector/ },
      { why: 'client is both mesh TLS and unauthenticated', object: withSpec(serverAuthorization, { client: { meshTLS: { identities: ['*'] }, unauthenticated: true } }), field: 'spec.client.unauthenticated', says: /must be false when meshTLS is set/ },
      { why: 'unauthenticated TLS also names identities', object: withSpec(serverAuthorization, { client: { meshTLS: { unauthenticatedTLS: true, identities: ['*'] } } }), field: 'spec.client.meshTLS.unauthenticatedTLS', says: /must be false when identities or serviceAccounts are set/ },
      { why: 'network exception lies outside the network', object: withSpec(serverAuthorization, { client: { networks: [{ cidr: '10.0.0.0/8', except: ['192.168.0.0/16'] }] } }), field: 'spec.client.networks[0].except[0]', says: /does not include exception '192\.168\.0\.0\/16'/ },
      { why: 'identity is not a DNS-like name', object: withSpec(serverAuthorization, { client: { meshTLS: { identities: ['Not An Identity'] } } }), field: 'spec.client.meshTLS.identities[0]', says: /expected an identity name/ },
    ],
  },
  {
    label: 'AuthorizationPolicy', path: '/policy', gvk: { group: policy, version: 'v1alpha1', kind: 'AuthorizationPolicy' }, valid: authorizationPolicy,
    alsoValid: [
      ['targeting its own namespace with a service account', withSpec(authorizationPolicy, { targetRef: { kind: 'Namespace', name: 'shop' }, requiredAuthenticationRefs: [{ kind: 'ServiceAccount', name: 'gateway', namespace: 'ingress' }] })],
      ['targeting a Gateway API HTTPRoute', withSpec(authorizationPolicy, { targetRef: { group: gateway, kind: 'HTTPRoute', name: 'web-split' } })],
      ['targeting a GRPCRoute with no authentication required', withSpec(authorizationPolicy, { targetRef: { group: gateway, kind: 'GRPCRoute', name: 'catalog' }, requiredAuthenticationRefs: [] })],
    ],
    invalid: [
      { why: 'target is a Pod', object: withSpec(authorizationPolicy, { targetRef: { kind: 'Pod', name: 'web-0' } }), field: 'spec.targetRef.kind', says: /invalid targetRef kind: Pod of the core group/ },
      { why: 'target is a Server without its group', object: withSpec(authorizationPolicy, { targetRef: { kind: 'Server', name: 'web-http' } }), field: 'spec.targetRef.kind', says: /Server of the core group \(no group given\)/ },
      { why: 'target is another namespace', object: withSpec(authorizationPolicy, { targetRef: { kind: 'Namespace', name: 'billing' } }), field: 'spec.targetRef.name', says: /cannot target another namespace: billing/ },
      {
        why: 'required authentications include two MeshTLSAuthentications',
        object: withSpec(authorizationPolicy, { requiredAuthenticationRefs: [{ group: policy, kind: 'MeshTLSAuthentication', name: 'a' }, { group: policy, kind: 'MeshTLSAuthentication', name: 'b' }] }),
        field: 'spec.requiredAuthenticationRefs[1].kind', says: /only a single MeshTLSAuthentication may be set/,
      },
      {
        why: 'required authentications mix a MeshTLSAuthentication and a ServiceAccount',
        object: withSpec(authorizationPolicy, { requiredAuthenticationRefs: [{ group: policy, kind: 'MeshTLSAuthentication', name: 'a' }, { kind: 'ServiceAccount', name: 'gateway' }] }),
        field: 'spec.requiredAuthenticationRefs[1].kind', says: /may not be set together/,
      },
      { why: 'required authentication is a Secret', object: withSpec(authorizationPolicy, { requiredAuthenticationRefs: [{ kind: 'Secret', name: 'token' }] }), field: 'spec.requiredAuthenticationRefs[0].kind', says: /unsupported authentication kind: Secret/ },
      { why: 'requiredAuthenticationRefs are missing', object: { ...authorizationPolicy, spec: { targetRef: { group: policy, kind: 'Server', name: 'web-http' } } }, field: 'spec.requiredAuthenticationRefs', says: /expected array/ },
    ],
  },
  {
    label: 'MeshTLSAuthentication', path: '/policy', gvk: { group: policy, version: 'v1alpha1', kind: 'MeshTLSAuthentication' }, valid: meshTlsAuthentication,
    alsoValid: [['by identities with wildcards', { ...meshTlsAuthentication, spec: { identities: ['*', '*.shop.serviceaccount.identity.linkerd.cluster.local'] } }]],
    invalid: [
      { why: 'identity is not a DNS-like name', object: { ...meshTlsAuthentication, spec: { identities: ['Not An Identity'] } }, field: 'spec.identities[0]', says: /expected an identity name/ },
      { why: 'identityRef is a Pod', object: { ...meshTlsAuthentication, spec: { identityRefs: [{ kind: 'Pod', name: 'web-0' }] } }, field: 'spec.identityRefs[0].kind', says: /invalid identityRef kind: Pod/ },
      { why: 'Namespace identityRef has a namespace', object: { ...meshTlsAuthentication, spec: { identityRefs: [{ kind: 'Namespace', name: 'shop', namespace: 'shop' }] } }, field: 'spec.identityRefs[0].namespace', says: /cluster-scoped/ },
      { why: 'identities and identityRefs are both given', object: withSpec(meshTlsAuthentication, { identities: ['*'] }), field: 'spec.identities', says: /exactly one of identities and identityRefs/ },
    ],
  },
  {
    label: 'NetworkAuthentication', path: '/policy', gvk: { group: policy, version: 'v1alpha1', kind: 'NetworkAuthentication' }, valid: networkAuthentication,
    alsoValid: [['of a single address', { ...networkAuthentication, spec: { networks: [{ cidr: '10.0.0.1' }] } }]],
    invalid: [
      { why: 'network is not a CIDR', object: { ...networkAuthentication, spec: { networks: [{ cidr: 'everything' }] } }, field: 'spec.networks[0].cidr', says: /expected an IP network/ },
      { why: 'network list is empty', object: { ...networkAuthentication, spec: { networks: [] } }, field: 'spec.networks', says: /at least one network must be specified/ },
      { why: 'exception negates the whole network', object: { ...networkAuthentication, spec: { networks: [{ cidr: '10.0.0.0/16', except: ['10.0.0.0/8'] }] } }, field: 'spec.networks[0].except[0]', says: /completely negated by exception/ },
      { why: 'exception is of the other address family', object: { ...networkAuthentication, spec: { networks: [{ cidr: '10.0.0.0/8' }, { cidr: 'fd00::/8', except: ['10.0.0.1'] }] } }, field: 'spec.networks[1].except[0]', says: /does not include exception/ },
    ],
  },
  {
    label: 'HTTPRoute (policy.linkerd.io)', path: '/policy', gvk: { group: policy, version: 'v1beta3', kind: 'HTTPRoute' }, valid: httpRoute,
    alsoValid: [['at v1alpha1 with no rules', { ...httpRoute, apiVersion: 'policy.linkerd.io/v1alpha1', spec: { parentRefs: [{ group: policy, kind: 'Server', name: 'web-http' }] } }]],
    invalid: [
      { why: 'path match type is unknown', object: withSpec(httpRoute, { rules: [{ matches: [{ path: { type: 'Glob', value: '/*' } }] }] }), field: 'spec.rules[0].matches[0].path.type', says: /expected one of/ },
      { why: 'prefix path is not absolute', object: withSpec(httpRoute, { rules: [{ matches: [{ path: { type: 'PathPrefix', value: 'api' } }] }] }), field: 'spec.rules[0].matches[0].path.value', says: /must be absolute/ },
      { why: 'backend timeout is longer than the request timeout', object: withSpec(httpRoute, { rules: [{ timeouts: { request: '10s', backendRequest: '1m' } }] }), field: 'spec.rules[0].timeouts.backendRequest', says: /must not be greater than request timeout/ },
      { why: 'header regex does not compile', object: withSpec(httpRoute, { rules: [{ matches: [{ headers: [{ type: 'RegularExpression', name: 'x-tenant', value: '([a-z' }] }] }] }), field: 'spec.rules[0].matches[0].headers[0].value', says: /not a valid regular expression/ },
      { why: 'filter type is unknown', object: withSpec(httpRoute, { rules: [{ filters: [{ type: 'Teleport' }] }] }), field: 'spec.rules[0].filters[0].type', says: /Invalid discriminator value/ },
    ],
  },
  {
    label: 'HTTPRoute (gateway.networking.k8s.io)', path: '/policy', gvk: { group: gateway, version: 'v1', kind: 'HTTPRoute' }, valid: gatewayHttpRoute,
    alsoValid: [['at v1beta1 with session persistence', { ...gatewayHttpRoute, apiVersion: 'gateway.networking.k8s.io/v1beta1', spec: { rules: [{ backendRefs: [{ name: 'web', port: 80 }], sessionPersistence: { type: 'Cookie', sessionName: 'shop' } }] } }]],
    invalid: [
      { why: 'Service backend has no port', object: withSpec(gatewayHttpRoute, { rules: [{ backendRefs: [{ name: 'web' }] }] }), field: 'spec.rules[0].backendRefs[0].port', says: /cannot target a Service without specifying a port/ },
      { why: 'hostname is not lower-case', object: withSpec(gatewayHttpRoute, { hostnames: ['Web.Example.COM'] }), field: 'spec.hostnames[0]', says: /expected a host name/ },
      { why: 'request timeout is not a duration', object: withSpec(gatewayHttpRoute, { rules: [{ timeouts: { request: 'forever' } }] }), field: 'spec.rules[0].timeouts.request', says: /expected a duration/ },
      { why: 'rule has a field Sinew does not know', object: withSpec(gatewayHttpRoute, { rules: [{ backendRefs: [{ name: 'web', port: 80 }], mirrorPercent: 10 }] }), field: 'spec.rules[0].mirrorPercent', says: /^unknown field$/ },
    ],
  },
  {
    label: 'GRPCRoute', path: '/policy', gvk: { group: gateway, version: 'v1', kind: 'GRPCRoute' }, valid: grpcRoute,
    alsoValid: [['matching a service by regular expression', withSpec(grpcRoute, { rules: [{ matches: [{ method: { type: 'RegularExpression', service: 'shop\\..*' } }], backendRefs: [{ name: 'catalog', port: 9090 }] }] })]],
    invalid: [
      { why: 'method match names neither service nor method', object: withSpec(grpcRoute, { rules: [{ matches: [{ method: { type: 'Exact' } }] }] }), field: 'spec.rules[0].matches[0].method.service', says: /one or both of service and method is required/ },
      { why: 'service regex does not compile', object: withSpec(grpcRoute, { rules: [{ matches: [{ method: { type: 'RegularExpression', service: '(shop' } }] }] }), field: 'spec.rules[0].matches[0].method.service', says: /not a valid regular expression/ },
      { why: 'filter is one GRPCRoute has not', object: withSpec(grpcRoute, { rules: [{ filters: [{ type: 'URLRewrite', urlRewrite: {} }] }] }), field: 'spec.rules[0].filters[0].type', says: /Invalid discriminator value/ },
      { why: 'EgressNetwork parent has no port', object: withSpec(grpcRoute, { parentRefs: [{ group: policy, kind: 'EgressNetwork', name: 'internet' }] }), field: 'spec.parentRefs[0].port', says: /cannot target an EgressNetwork without specifying a port/ },
    ],
  },
  {
    label: 'ServiceProfile', path: '/sp', gvk: { group: 'linkerd.io', version: 'v1alpha2', kind: 'ServiceProfile' }, valid: serviceProfile,
    alsoValid: [['at v1alpha1 with a condition whose not is a list', {
      ...serviceProfile, apiVersion: 'linkerd.io/v1alpha1', spec: { routes: [{ name: 'not-post', condition: { not: [{ method: 'POST' }] } }] },
    }]],
    invalid: [
      { why: 'name is not a DNS subdomain', object: { ...serviceProfile, metadata: { name: 'Web_API', namespace: 'shop' } }, field: 'metadata.name', says: /DNS-1123 subdomain/ },
      { why: 'routes are missing', object: { ...serviceProfile, spec: { opaquePorts: ['3306'] } }, field: 'spec.routes', says: /at least one route/ },
      { why: 'route condition sets no field', object: { ...serviceProfile, spec: { routes: [{ name: 'r', condition: { any: [{}] } }] } }, field: 'spec.routes[0].condition.any[0]', says: /a request match must have a field set/ },
      { why: 'route timeout is not a Go duration', object: { ...serviceProfile, spec: { routes: [{ name: 'r', condition: { method: 'GET' }, timeout: 'soon' }] } }, field: 'spec.routes[0].timeout', says: /expected a Go duration/ },
      {
        why: 'response status range ends past 599',
        object: { ...serviceProfile, spec: { routes: [{ name: 'r', condition: { method: 'GET' }, responseClasses: [{ condition: { status: { min: 500, max: 600 } } }] }] } },
        field: 'spec.routes[0].responseClasses[0].condition.status.max', says: /between 100 and 599/,
      },
      { why: 'condition has a field Sinew does not know', object: { ...serviceProfile, spec: { routes: [{ name: 'r', condition: { method: 'GET', headers: { x: 'y' } } }] } }, field: 'spec.routes[0].condition.headers', says: /^unknown field$/ },
      { why: 'retry budget has no ttl', object: { ...serviceProfile, spec: { ...serviceProfile.spec, retryBudget: { retryRatio: 0.2, minRetriesPerSecond: 10 } } }, field: 'spec.retryBudget.ttl', says: /expected string/ },
    ],
  },
];
