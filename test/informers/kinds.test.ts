/** Projections of every watched kind: what they keep, what they strip, idempotency and fail-closed policy. */
import assert from 'node:assert/strict';
import { describeIssue, isInvalid } from '../../src/informers/fail-closed.js';
import type { KindSpec } from '../../src/informers/kind.js';
import type { ProjectedObject } from '../../src/informers/object.js';
import {
  allKinds,
  authorizationPolicyKind,
  endpointSliceKind,
  gatewayHttpRouteKind,
  grpcRouteKind,
  httpRouteKind,
  jobKind,
  meshTlsAuthenticationKind,
  namespaceKind,
  networkAuthenticationKind,
  nodeKind,
  podKind,
  replicaSetKind,
  serverAuthorizationKind,
  serverKind,
  serviceKind,
  serviceProfileKind,
} from '../../src/informers/kinds/index.js';
import { strictServiceProfileSchema } from '../../src/informers/kinds/service-profile.js';

type Json = Record<string, unknown>;

/** Metadata as `kubectl get -o json` prints it, noise included. */
function meta(name: string, namespace: string | undefined, extra: Json = {}): Json {
  return {
    name,
    ...(namespace === undefined ? {} : { namespace }),
    uid: `uid-${name}`,
    resourceVersion: '48213',
    generation: 2,
    creationTimestamp: '2024-05-01T10:00:00Z',
    managedFields: [{
      manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'v1', time: '2024-05-01T10:00:00Z',
      fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': {} } },
    }],
    ...extra,
  };
}

const lastApplied = { 'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"v1"}' };

const fixtures = {
  namespace: {
    apiVersion: 'v1', kind: 'Namespace',
    metadata: meta('shop', undefined, {
      labels: { 'kubernetes.io/metadata.name': 'shop', 'linkerd.io/inject': 'enabled' },
      annotations: { 'config.linkerd.io/default-inbound-policy': 'cluster-authenticated' },
    }),
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  },
  node: {
    apiVersion: 'v1', kind: 'Node',
    metadata: meta('node-a', undefined, { labels: { 'topology.kubernetes.io/zone': 'eu-west-1a', 'kubernetes.io/os': 'linux' } }),
    spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'], providerID: 'aws:///eu-west-1a/i-0abc' },
    status: {
      addresses: [{ type: 'InternalIP', address: '172.18.0.3' }, { type: 'Hostname', address: 'node-a' }],
      capacity: { cpu: '8', memory: '32Gi' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
      images: [{ names: ['ghcr.io/example/web:1.0'], sizeBytes: 1234 }],
      nodeInfo: { kubeletVersion: 'v1.31.0' },
    },
  },
  pod: {
    apiVersion: 'v1', kind: 'Pod',
    metadata: meta('web-5d9c7b-x2x8q', 'shop', {
      labels: { app: 'web', 'pod-template-hash': '5d9c7b' },
      annotations: { 'linkerd.io/inject': 'enabled' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d9c7b', uid: 'uid-rs', controller: true, blockOwnerDeletion: true }],
    }),
    spec: {
      nodeName: 'node-a',
      serviceAccountName: 'web',
      volumes: [{ name: 'token', projected: { sources: [] } }],
      containers: [{
        name: 'web', image: 'ghcr.io/example/web:1.0',
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        env: [{ name: 'DB_PASSWORD', value: 'hunter2' }, { name: 'API_KEY', valueFrom: { secretKeyRef: { name: 'api', key: 'key' } } }],
        envFrom: [{ secretRef: { name: 'web-secrets' } }],
        readinessProbe: { httpGet: { path: '/ready', port: 'http', scheme: 'HTTP' }, periodSeconds: 5 },
        resources: { limits: { cpu: '1' } },
      }],
    },
    status: {
      phase: 'Running', podIP: '10.244.1.7', podIPs: [{ ip: '10.244.1.7' }], hostIP: '172.18.0.3',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'web', ready: true, restartCount: 0, imageID: 'sha256:abc' }],
    },
  },
  service: {
    apiVersion: 'v1', kind: 'Service',
    metadata: meta('web', 'shop', { annotations: lastApplied }),
    spec: {
      type: 'ClusterIP', clusterIP: '10.96.12.34', clusterIPs: ['10.96.12.34'],
      ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', sessionAffinity: 'None',
      ports: [
        { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' },
        { name: 'admin', port: 9990, targetPort: 9990, protocol: 'TCP' },
      ],
      selector: { app: 'web' },
      internalTrafficPolicy: 'Cluster',
    },
    status: { loadBalancer: {} },
  },
  endpointSlice: {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: meta('web-abc12', 'shop', {
      labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true }],
    }),
    addressType: 'IPv4',
    endpoints: [{
      addresses: ['10.244.1.7'],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: 'node-a', zone: 'eu-west-1a',
      hints: { forZones: [{ name: 'eu-west-1a' }] },
      targetRef: { kind: 'Pod', name: 'web-5d9c7b-x2x8q', namespace: 'shop', uid: 'uid-pod', resourceVersion: '48100' },
      deprecatedTopology: { 'kubernetes.io/hostname': 'node-a' },
    }],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP', appProtocol: 'http' }],
  },
  replicaSet: {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: meta('web-5d9c7b', 'shop', {
      labels: { app: 'web' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-deploy', controller: true }],
    }),
    spec: { replicas: 2, template: { spec: { containers: [{ name: 'web', env: [{ name: 'DB_PASSWORD', value: 'hunter2' }] }] } } },
    status: { replicas: 2, readyReplicas: 2 },
  },
  job: {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: meta('report-28563120', 'shop', {
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'report', uid: 'uid-cron', controller: true }],
    }),
    spec: { template: { spec: { containers: [{ name: 'report', env: [{ name: 'TOKEN', value: 's3cret' }] }] } } },
    status: { succeeded: 1 },
  },
  server: {
    apiVersion: 'policy.linkerd.io/v1beta3', kind: 'Server',
    metadata: meta('web-http', 'shop', { annotations: lastApplied }),
    spec: {
      podSelector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend'] }] },
      port: 'http', proxyProtocol: 'HTTP/1', accessPolicy: 'deny',
    },
  },
  serverAuthorization: {
    apiVersion: 'policy.linkerd.io/v1beta1', kind: 'ServerAuthorization',
    metadata: meta('web-clients', 'shop'),
    spec: {
      server: { name: 'web-http' },
      client: {
        meshTLS: { identities: ['*.shop.serviceaccount.identity.linkerd.cluster.local'], serviceAccounts: [{ name: 'gateway', namespace: 'ingress' }] },
        networks: [{ cidr: '10.0.0.0/8', except: ['10.0.99.0/24', '10.0.1.1'] }],
      },
    },
  },
  authorizationPolicy: {
    apiVersion: 'policy.linkerd.io/v1alpha1', kind: 'AuthorizationPolicy',
    metadata: meta('web-authz', 'shop'),
    spec: {
      targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'web-http' },
      requiredAuthenticationRefs: [
        { group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: 'shop-clients' },
        { group: 'policy.linkerd.io', kind: 'NetworkAuthentication', name: 'cluster', namespace: 'linkerd' },
      ],
    },
  },
  meshTlsAuthentication: {
    apiVersion: 'policy.linkerd.io/v1alpha1', kind: 'MeshTLSAuthentication',
    metadata: meta('shop-clients', 'shop'),
    spec: { identityRefs: [{ kind: 'ServiceAccount', name: 'gateway', namespace: 'ingress' }, { kind: 'Namespace', name: 'shop' }] },
  },
  networkAuthentication: {
    apiVersion: 'policy.linkerd.io/v1alpha1', kind: 'NetworkAuthentication',
    metadata: meta('cluster', 'linkerd'),
    spec: { networks: [{ cidr: '10.0.0.0/8' }, { cidr: 'fd00::/8', except: ['fd00::1'] }] },
  },
  httpRoute: {
    apiVersion: 'policy.linkerd.io/v1beta3', kind: 'HTTPRoute',
    metadata: meta('web-api', 'shop'),
    spec: {
      parentRefs: [{ group: 'policy.linkerd.io', kind: 'Server', name: 'web-http' }],
      hostnames: ['web.shop.svc.cluster.local'],
      rules: [{
        matches: [{
          path: { type: 'PathPrefix', value: '/api' },
          headers: [{ type: 'Exact', name: 'x-tenant', value: 'blue' }],
          queryParams: [{ name: 'debug', value: '1' }],
          method: 'GET',
        }],
        filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-route', value: 'api' }], remove: ['x-debug'] } }],
        backendRefs: [{ name: 'web', port: 80, weight: 90 }, { name: 'web-canary', port: 80, weight: 10 }],
        timeouts: { request: '10s', backendRequest: '2s' },
      }],
    },
    status: { parents: [{ parentRef: { name: 'web-http' }, controllerName: 'linkerd.io/policy-controller', conditions: [] }] },
  },
  gatewayHttpRoute: {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute',
    metadata: meta('web-split', 'shop'),
    spec: {
      parentRefs: [{ group: 'core', kind: 'Service', name: 'web', port: 80 }],
      rules: [{
        matches: [{ path: { type: 'Exact', value: '/old' } }],
        filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', path: { type: 'ReplaceFullPath', replaceFullPath: '/new' }, statusCode: 301 } }],
      }, {
        backendRefs: [{
          group: '', kind: 'Service', name: 'web-v2', port: 80, weight: 1,
          filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-version', value: 'v2' }] } }],
        }],
      }],
    },
  },
  grpcRoute: {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GRPCRoute',
    metadata: meta('catalog', 'shop'),
    spec: {
      parentRefs: [{ group: 'core', kind: 'Service', name: 'catalog', port: 9090 }],
      rules: [{
        matches: [{ method: { type: 'Exact', service: 'shop.Catalog', method: 'List' }, headers: [{ name: 'x-tenant', value: 'blue' }] }],
        filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { add: [{ name: 'x-grpc', value: '1' }] } }],
        backendRefs: [{ name: 'catalog', port: 9090 }],
      }],
    },
  },
  serviceProfile: {
    apiVersion: 'linkerd.io/v1alpha2', kind: 'ServiceProfile',
    metadata: meta('web.shop.svc.cluster.local', 'shop'),
    spec: {
      routes: [{
        name: 'GET /api/items/{id}',
        condition: { all: [{ method: 'GET' }, { pathRegex: '/api/items/[^/]*' }], not: { pathRegex: '/api/items/secret' } },
        responseClasses: [{ condition: { any: [{ status: { min: 500, max: 599 } }, { not: { status: { min: 200, max: 399 } } }] }, isFailure: true }],
        isRetryable: true,
        timeout: '300ms',
      }],
      retryBudget: { retryRatio: 0.2, minRetriesPerSecond: 10, ttl: '10s' },
      dstOverrides: [{ authority: 'web.shop.svc.cluster.local:80', weight: '500m' }, { authority: 'web-v2.shop.svc.cluster.local:80', weight: 1 }],
      opaquePorts: ['3306', '4000-4100'],
    },
  },
} satisfies Record<string, Json>;

function parseOk<T extends ProjectedObject>(spec: KindSpec<T>, input: unknown): T {
  const result = spec.schema.safeParse(input);
  if (!result.success) assert.fail(`${spec.kind} did not parse: ${result.error.message}`);
  return result.data;
}

/** Parses a policy fixture that must be valid, narrowing away the invalid projection. */
function parseValid<T extends ProjectedObject>(spec: KindSpec<T>, input: unknown): Exclude<T, { invalid: string }> {
  const parsed = parseOk(spec, input);
  if (isInvalid(parsed)) assert.fail(`${spec.kind} parsed as invalid: ${parsed.invalid}`);
  return parsed as Exclude<T, { invalid: string }>;
}

function withSpec(fixture: Json, spec: Json): Json {
  return { ...fixture, spec };
}

function without(object: Json, key: string): Json {
  const copy = { ...object };
  delete copy[key];
  return copy;
}

function withoutName(fixture: Json): Json {
  return { ...fixture, metadata: without(fixture['metadata'] as Json, 'name') };
}

/** `a Server`, `an HTTPRoute`. */
function a(kind: string): string {
  return `${/^[AEIOU]|^HTTP/.test(kind) ? 'an' : 'a'} ${kind}`;
}

const cases: readonly (readonly [KindSpec, Json])[] = [
  [namespaceKind, fixtures.namespace],
  [nodeKind, fixtures.node],
  [podKind, fixtures.pod],
  [serviceKind, fixtures.service],
  [endpointSliceKind, fixtures.endpointSlice],
  [replicaSetKind, fixtures.replicaSet],
  [jobKind, fixtures.job],
  [serverKind, fixtures.server],
  [serverAuthorizationKind, fixtures.serverAuthorization],
  [authorizationPolicyKind, fixtures.authorizationPolicy],
  [meshTlsAuthenticationKind, fixtures.meshTlsAuthentication],
  [networkAuthenticationKind, fixtures.networkAuthentication],
  [httpRouteKind, fixtures.httpRoute],
  [gatewayHttpRouteKind, fixtures.gatewayHttpRoute],
  [grpcRouteKind, fixtures.grpcRoute],
  [serviceProfileKind, fixtures.serviceProfile],
];

const policyKinds: readonly (readonly [KindSpec, Json])[] = cases.slice(7, 15);

describe('kind projections', () => {
  describe('every kind', () => {
    for (const [spec, fixture] of cases) {
      it(`parses a full ${spec.kind} (${spec.group || 'core'}) and parses its own projection to the same value`, () => {
        const once = parseOk(spec, fixture);
        assert.deepEqual(parseOk(spec, once), once);
        assert.deepEqual(parseOk(spec, JSON.parse(JSON.stringify(once))), once);
      });

      it(`strips managedFields and unknown top-level fields from ${a(spec.kind)}`, () => {
        const once = parseOk(spec, { ...fixture, extra: 'noise' });
        assert.equal('managedFields' in once.metadata, false);
        assert.equal('extra' in once, false);
        assert.equal(once.metadata.uid, `uid-${String((fixture['metadata'] as Json)['name'])}`);
      });

      it(`rejects ${a(spec.kind)} without a name`, () => {
        assert.equal(spec.schema.safeParse(withoutName(fixture)).success, false);
      });

      it(`rejects ${a(spec.kind)} of another apiVersion`, () => {
        assert.equal(spec.schema.safeParse({ ...fixture, apiVersion: 'example.com/v9' }).success, false);
      });
    }
  });

  describe('core and workload kinds', () => {
    it('keeps a Namespace\'s injection label and config annotations, and nothing of its spec or status', () => {
      const ns = parseOk(namespaceKind, fixtures.namespace);
      assert.equal(ns.metadata.labels?.['linkerd.io/inject'], 'enabled');
      assert.equal(ns.metadata.annotations?.['config.linkerd.io/default-inbound-policy'], 'cluster-authenticated');
      assert.deepEqual(Object.keys(ns).sort(), ['apiVersion', 'kind', 'metadata']);
    });

    it('keeps a Node\'s zone, pod CIDRs and addresses, and drops capacity, conditions and images', () => {
      const node = parseOk(nodeKind, fixtures.node);
      assert.equal(node.metadata.labels?.['topology.kubernetes.io/zone'], 'eu-west-1a');
      assert.deepEqual(node.spec, { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'] });
      assert.deepEqual(node.status, { addresses: [{ type: 'InternalIP', address: '172.18.0.3' }, { type: 'Hostname', address: 'node-a' }] });
    });

    it('never keeps a Pod\'s container environment', () => {
      const pod = parseOk(podKind, fixtures.pod);
      const container = pod.spec.containers[0];
      assert.ok(container);
      assert.equal('env' in container, false);
      assert.equal('envFrom' in container, false);
      assert.equal(JSON.stringify(pod).includes('hunter2'), false);
      assert.equal(JSON.stringify(pod).includes('web-secrets'), false);
      assert.equal(pod.status?.podIP, '10.244.1.7');
      assert.equal(pod.metadata.ownerReferences?.[0]?.name, 'web-5d9c7b');
    });

    it('keeps a Service\'s type, addresses, ports with int-or-string target ports, selector and traffic policy', () => {
      const svc = parseOk(serviceKind, fixtures.service);
      assert.deepEqual(svc.spec, {
        type: 'ClusterIP', clusterIP: '10.96.12.34', clusterIPs: ['10.96.12.34'],
        ports: [
          { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' },
          { name: 'admin', port: 9990, targetPort: 9990, protocol: 'TCP' },
        ],
        selector: { app: 'web' }, internalTrafficPolicy: 'Cluster',
      });
      assert.equal('status' in svc, false);
    });

    it('keeps an ExternalName Service\'s external name', () => {
      const svc = parseOk(serviceKind, withSpec(fixtures.service, { type: 'ExternalName', externalName: 'db.example.com' }));
      assert.deepEqual(svc.spec, { type: 'ExternalName', externalName: 'db.example.com' });
    });

    it('keeps an EndpointSlice\'s service label, endpoints, hints and target refs, and drops deprecated topology', () => {
      const slice = parseOk(endpointSliceKind, fixtures.endpointSlice);
      assert.equal(slice.metadata.labels?.['kubernetes.io/service-name'], 'web');
      assert.deepEqual(slice.endpoints, [{
        addresses: ['10.244.1.7'],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName: 'node-a', zone: 'eu-west-1a',
        hints: { forZones: [{ name: 'eu-west-1a' }] },
        targetRef: { kind: 'Pod', name: 'web-5d9c7b-x2x8q', namespace: 'shop', uid: 'uid-pod' },
      }]);
      assert.deepEqual(slice.ports, [{ name: 'http', port: 8080, protocol: 'TCP', appProtocol: 'http' }]);
    });

    it('reads an EndpointSlice\'s null endpoints and ports as empty lists', () => {
      const slice = parseOk(endpointSliceKind, { ...fixtures.endpointSlice, endpoints: null, ports: null });
      assert.deepEqual(slice.endpoints, []);
      assert.deepEqual(slice.ports, []);
      assert.deepEqual(parseOk(endpointSliceKind, slice), slice);
    });

    it('keeps only metadata of ReplicaSets and Jobs, with the owner that names their workload', () => {
      const rs = parseOk(replicaSetKind, fixtures.replicaSet);
      const job = parseOk(jobKind, fixtures.job);
      assert.deepEqual(Object.keys(rs).sort(), ['apiVersion', 'kind', 'metadata']);
      assert.deepEqual(Object.keys(job).sort(), ['apiVersion', 'kind', 'metadata']);
      assert.equal(rs.metadata.ownerReferences?.[0]?.kind, 'Deployment');
      assert.equal(job.metadata.ownerReferences?.[0]?.kind, 'CronJob');
    });

    it('rejects a namespaced object without a namespace', () => {
      const metadata = without(fixtures.service.metadata, 'namespace');
      assert.equal(serviceKind.schema.safeParse({ ...fixtures.service, metadata }).success, false);
    });
  });

  describe('policy kinds', () => {
    it('keeps a Server\'s selector, port, protocol and access policy', () => {
      const server = parseValid(serverKind, fixtures.server);
      assert.deepEqual(server.spec, fixtures.server.spec);
    });

    it('accepts Servers recorded at v1beta1 and v1beta2, and numeric ports', () => {
      for (const apiVersion of ['policy.linkerd.io/v1beta1', 'policy.linkerd.io/v1beta2']) {
        const server = parseValid(serverKind, { ...fixtures.server, apiVersion, spec: { podSelector: {}, port: 8080 } });
        assert.equal(server.apiVersion, apiVersion);
        assert.equal(server.spec.port, 8080);
      }
    });

    it('keeps a ServerAuthorization\'s server, identities, service accounts and networks', () => {
      const authz = parseValid(serverAuthorizationKind, fixtures.serverAuthorization);
      assert.deepEqual(authz.spec, fixtures.serverAuthorization.spec);
    });

    it('keeps an AuthorizationPolicy\'s target and required authentications', () => {
      assert.deepEqual(parseValid(authorizationPolicyKind, fixtures.authorizationPolicy).spec, fixtures.authorizationPolicy.spec);
    });

    it('keeps MeshTLSAuthentication identity refs and NetworkAuthentication networks', () => {
      assert.deepEqual(parseValid(meshTlsAuthenticationKind, fixtures.meshTlsAuthentication).spec, fixtures.meshTlsAuthentication.spec);
      assert.deepEqual(parseValid(networkAuthenticationKind, fixtures.networkAuthentication).spec, fixtures.networkAuthentication.spec);
    });

    it('keeps HTTPRoute matches, filters, weighted backends and timeouts, and drops status', () => {
      const route = parseValid(httpRouteKind, fixtures.httpRoute);
      assert.deepEqual(route.spec, fixtures.httpRoute.spec);
      assert.equal('status' in route, false);
      const gateway = parseValid(gatewayHttpRouteKind, fixtures.gatewayHttpRoute);
      assert.deepEqual(gateway.spec, fixtures.gatewayHttpRoute.spec);
    });

    it('accepts Linkerd HTTPRoutes at older versions and Gateway HTTPRoutes at v1beta1', () => {
      for (const apiVersion of ['policy.linkerd.io/v1alpha1', 'policy.linkerd.io/v1beta1', 'policy.linkerd.io/v1beta2']) {
        assert.equal(parseValid(httpRouteKind, { ...fixtures.httpRoute, apiVersion }).apiVersion, apiVersion);
      }
      const gateway = parseValid(gatewayHttpRouteKind, { ...fixtures.gatewayHttpRoute, apiVersion: 'gateway.networking.k8s.io/v1beta1' });
      assert.equal(gateway.apiVersion, 'gateway.networking.k8s.io/v1beta1');
    });

    it('does not take a Linkerd HTTPRoute for a Gateway one, or the reverse', () => {
      assert.equal(gatewayHttpRouteKind.schema.safeParse(fixtures.httpRoute).success, false);
      assert.equal(httpRouteKind.schema.safeParse(fixtures.gatewayHttpRoute).success, false);
    });

    it('keeps GRPCRoute method and header matches, filters and backends', () => {
      assert.deepEqual(parseValid(grpcRouteKind, fixtures.grpcRoute).spec, fixtures.grpcRoute.spec);
    });

    const badSpecs: readonly (readonly [KindSpec, Json, string])[] = [
      [serverKind, withSpec(fixtures.server, { podSelector: {}, port: 70000 }), 'spec.port: '],
      [serverKind, withSpec(fixtures.server, { podSelector: {}, port: 'http', proxyProtocol: 'HTTP/3' }), 'spec.proxyProtocol: '],
      [serverKind, withSpec(fixtures.server, { port: 80 }), 'spec.podSelector: exactly one'],
      [serverKind, withSpec(fixtures.server, { podSelector: {}, externalWorkloadSelector: {}, port: 80 }), 'spec.podSelector: exactly one'],
      [serverAuthorizationKind, withSpec(fixtures.serverAuthorization, { server: { name: 'web-http' }, client: { networks: [{ cidr: '10.0.0.0/33' }] } }), 'spec.client.networks[0].cidr: '],
      [authorizationPolicyKind, withSpec(fixtures.authorizationPolicy, { targetRef: { kind: 'Server', name: 'web-http' } }), 'spec.requiredAuthenticationRefs: '],
      [meshTlsAuthenticationKind, withSpec(fixtures.meshTlsAuthentication, { identities: ['Not An Identity'] }), 'spec.identities[0]: '],
      [networkAuthenticationKind, withSpec(fixtures.networkAuthentication, { networks: [{ cidr: 'everything' }] }), 'spec.networks[0].cidr: '],
      [httpRouteKind, withSpec(fixtures.httpRoute, { rules: [{ matches: [{ path: { type: 'Glob', value: '/*' } }] }] }), 'spec.rules[0].matches[0].path.type: '],
      [gatewayHttpRouteKind, withSpec(fixtures.gatewayHttpRoute, { rules: [{ timeouts: { request: 'forever' } }] }), 'spec.rules[0].timeouts.request: '],
      [grpcRouteKind, withSpec(fixtures.grpcRoute, { rules: [{ filters: [{ type: 'URLRewrite', urlRewrite: {} }] }] }), 'spec.rules[0].filters[0]'],
    ];

    it('keeps what an invalid Server or route still says about its target, and nothing when that is unreadable too', () => {
      const server = parseOk(serverKind, withSpec(fixtures.server, { podSelector: { matchLabels: { app: 'web' } }, port: 8080, unknownField: 1 }));
      assert.ok(isInvalid(server));
      assert.deepEqual((server as { salvaged?: unknown }).salvaged, { spec: { port: 8080, podSelector: { matchLabels: { app: 'web' } } } });
      const unreadableSelector = parseOk(serverKind, withSpec(fixtures.server, { podSelector: { matchExpressions: [] }, port: 'http', unknownField: 1 }));
      assert.deepEqual((unreadableSelector as { salvaged?: unknown }).salvaged, { spec: { port: 'http' } });
      const noPort = parseOk(serverKind, withSpec(fixtures.server, { podSelector: {}, port: 0 }));
      assert.ok(isInvalid(noPort));
      assert.equal((noPort as { salvaged?: unknown }).salvaged, undefined);
      const route = parseOk(httpRouteKind, withSpec(fixtures.httpRoute, { parentRefs: [{ group: 'policy.linkerd.io', kind: 'Server', name: 'web' }], rules: 'nope' }));
      assert.deepEqual((route as { salvaged?: unknown }).salvaged, { spec: { parentRefs: [{ group: 'policy.linkerd.io', kind: 'Server', name: 'web' }] } });
    });

    for (const [spec, input, prefix] of badSpecs) {
      it(`keeps ${a(spec.kind)} with a bad spec as invalid, naming the field (${prefix.split(':')[0]}), and re-parses it to itself`, () => {
        const parsed = parseOk(spec, input);
        assert.ok(isInvalid(parsed), `expected an invalid projection, got ${JSON.stringify(parsed)}`);
        assert.ok(parsed.invalid.startsWith(prefix), parsed.invalid);
        assert.deepEqual(Object.keys(parsed).filter((key) => key !== 'salvaged').sort(), ['apiVersion', 'invalid', 'kind', 'metadata']);
        const salvaged = (parsed as { salvaged?: { spec: Json } }).salvaged;
        if (salvaged !== undefined) {
          assert.deepEqual(Object.keys(salvaged), ['spec'], 'only targeting fields are salvaged');
          for (const key of Object.keys(salvaged.spec)) assert.ok(['port', 'podSelector', 'parentRefs'].includes(key), key);
        }
        assert.equal(parsed.metadata.name, (input['metadata'] as Json)['name']);
        assert.deepEqual(parseOk(spec, parsed), parsed);
        assert.deepEqual(parseOk(spec, JSON.parse(JSON.stringify(parsed))), parsed);
      });
    }

    for (const [spec, fixture] of policyKinds) {
      it(`keeps ${a(spec.kind)} with no spec at all as invalid`, () => {
        const parsed = parseOk(spec, without(fixture, 'spec'));
        assert.ok(isInvalid(parsed));
        assert.match(parsed.invalid, /^spec: /);
      });

      it(`still rejects ${a(spec.kind)} with a bad spec and no name`, () => {
        assert.equal(spec.schema.safeParse(withoutName(withSpec(fixture, { nonsense: true }))).success, false);
      });
    }

    /** Each policy fixture with one field Sinew does not know, at the top of the spec or deep in it. */
    const unknownFields: readonly (readonly [KindSpec, Json, string])[] = [
      [serverKind, withSpec(fixtures.server, { ...fixtures.server.spec, allowedClients: ['none'] }), 'spec.allowedClients: unknown field'],
      [serverKind, withSpec(fixtures.server, { ...fixtures.server.spec, podSelector: { matchLabels: { app: 'web' }, matchFields: [] } }), 'spec.podSelector.matchFields: unknown field'],
      [serverAuthorizationKind, withSpec(fixtures.serverAuthorization, {
        ...fixtures.serverAuthorization.spec, client: { ...fixtures.serverAuthorization.spec.client, requireMtlsVersion: '1.3' },
      }), 'spec.client.requireMtlsVersion: unknown field'],
      [authorizationPolicyKind, withSpec(fixtures.authorizationPolicy, { ...fixtures.authorizationPolicy.spec, onlyDuring: 'business-hours' }), 'spec.onlyDuring: unknown field'],
      [meshTlsAuthenticationKind, withSpec(fixtures.meshTlsAuthentication, {
        identityRefs: [{ kind: 'ServiceAccount', name: 'gateway', namespace: 'ingress', audience: 'internal' }],
      }), 'spec.identityRefs[0].audience: unknown field'],
      [networkAuthenticationKind, withSpec(fixtures.networkAuthentication, { networks: [{ cidr: '10.0.0.0/8', ports: [443] }] }), 'spec.networks[0].ports: unknown field'],
      [httpRouteKind, withSpec(fixtures.httpRoute, {
        ...fixtures.httpRoute.spec, rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/api' }, sourceIp: '10.0.0.0/8' }] }],
      }), 'spec.rules[0].matches[0].sourceIp: unknown field'],
      [gatewayHttpRouteKind, withSpec(fixtures.gatewayHttpRoute, { ...fixtures.gatewayHttpRoute.spec, rules: [{ backendRefs: [{ name: 'web', port: 80, tls: true }] }] }), 'spec.rules[0].backendRefs[0].tls: unknown field'],
      [grpcRouteKind, withSpec(fixtures.grpcRoute, { ...fixtures.grpcRoute.spec, authorization: { mode: 'strict' } }), 'spec.authorization: unknown field'],
    ];

    for (const [spec, input, expected] of unknownFields) {
      it(`keeps ${a(spec.kind)} with a field Sinew does not know as invalid, naming the field (${expected.split(':')[0]})`, () => {
        const parsed = parseOk(spec, input);
        assert.ok(isInvalid(parsed), `expected an invalid projection, got ${JSON.stringify(parsed)}`);
        assert.equal(parsed.invalid, expected);
        assert.deepEqual(parseOk(spec, parsed), parsed);
      });
    }

    it('names every unknown field of one object', () => {
      const parsed = parseOk(networkAuthenticationKind, withSpec(fixtures.networkAuthentication, { networks: [{ cidr: '10.0.0.0/8' }], b: 1, c: 2 }));
      assert.ok(isInvalid(parsed));
      assert.equal(parsed.invalid, 'spec.b, spec.c: unknown fields');
    });

    for (const [spec, fixture] of policyKinds) {
      it(`still strips status and unknown top-level and metadata fields from ${a(spec.kind)}`, () => {
        const input = { ...fixture, status: { conditions: [{ type: 'Accepted', status: 'True' }] }, extra: 1, metadata: { ...(fixture['metadata'] as Json), selfLink: '/x' } };
        const parsed = parseValid(spec, input);
        assert.deepEqual(Object.keys(parsed).sort(), ['apiVersion', 'kind', 'metadata', 'spec']);
        assert.equal('selfLink' in parsed.metadata, false);
      });
    }

    it('keeps a Server whose access policy is not one of Linkerd\'s default policies as invalid', () => {
      const parsed = parseOk(serverKind, withSpec(fixtures.server, { ...fixtures.server.spec, accessPolicy: 'allow-everyone' }));
      assert.ok(isInvalid(parsed));
      assert.match(parsed.invalid, /^spec\.accessPolicy: /);
      for (const accessPolicy of ['all-unauthenticated', 'all-authenticated', 'cluster-unauthenticated', 'cluster-authenticated', 'deny', 'audit']) {
        assert.equal(parseValid(serverKind, withSpec(fixtures.server, { ...fixtures.server.spec, accessPolicy })).spec.accessPolicy, accessPolicy);
      }
    });

    it('accepts the Gateway API v1 route fields Sinew does not act on: rule names, retries, session persistence, default gateways', () => {
      const sessionPersistence = { sessionName: 'shop', type: 'Cookie', absoluteTimeout: '1h', idleTimeout: '10m', cookieConfig: { lifetimeType: 'Permanent' } };
      const http = parseValid(gatewayHttpRouteKind, withSpec(fixtures.gatewayHttpRoute, {
        ...fixtures.gatewayHttpRoute.spec,
        useDefaultGateways: 'None',
        rules: [{ name: 'split', backendRefs: [{ name: 'web', port: 80 }], retry: { codes: [503], attempts: 2, backoff: '100ms' }, sessionPersistence }],
      }));
      assert.equal(http.spec.rules?.[0]?.name, 'split');
      assert.deepEqual(http.spec.rules?.[0]?.retry, { codes: [503], attempts: 2, backoff: '100ms' });
      const grpc = parseValid(grpcRouteKind, withSpec(fixtures.grpcRoute, {
        ...fixtures.grpcRoute.spec, rules: [{ name: 'list', backendRefs: [{ name: 'catalog', port: 9090 }], sessionPersistence }],
      }));
      assert.deepEqual(grpc.spec.rules?.[0]?.sessionPersistence, sessionPersistence);
    });

    it('keeps a GRPCRoute whose method match names neither a service nor a method (both empty) as invalid', () => {
      const parsed = parseOk(grpcRouteKind, withSpec(fixtures.grpcRoute, { rules: [{ matches: [{ method: { service: '', method: '' } }] }] }));
      assert.ok(isInvalid(parsed));
      assert.match(parsed.invalid, /^spec\.rules\[0\]\.matches\[0\]\.method\.service: one or both/);
    });

    it('reports valid policy objects as not invalid', () => {
      for (const [spec, fixture] of policyKinds) assert.equal(isInvalid(parseOk(spec, fixture)), false, spec.kind);
    });
  });

  describe('ServiceProfile', () => {
    it('keeps routes with nested conditions, response classes, retry budget, weighted overrides and opaque ports', () => {
      const profile = parseOk(serviceProfileKind, fixtures.serviceProfile);
      assert.deepEqual(profile.spec, fixtures.serviceProfile.spec);
    });

    it('accepts a request condition whose not is a list, as the CRD schema declares it', () => {
      const spec = { routes: [{ name: 'r', condition: { not: [{ method: 'POST' }] } }] };
      const profile = parseOk(serviceProfileKind, withSpec(fixtures.serviceProfile, spec));
      assert.deepEqual(profile.spec, spec);
    });

    it('drops fields it does not know from a profile, as a profile grants no access', () => {
      const spec = { routes: [{ name: 'r', condition: { method: 'GET', headerRegex: 'x' }, retries: 3 }] };
      const profile = parseOk(serviceProfileKind, withSpec(fixtures.serviceProfile, spec));
      assert.deepEqual(profile.spec, { routes: [{ name: 'r', condition: { method: 'GET' } }] });
    });

    it('has a strict twin, for the sp-validator, that names a field it does not know anywhere in the spec', () => {
      const spec = { routes: [{ name: 'r', condition: { any: [{ method: 'GET', headerRegex: 'x' }] } }] };
      const result = strictServiceProfileSchema.safeParse(withSpec(fixtures.serviceProfile, spec));
      assert.equal(result.success, false);
      assert.deepEqual(result.error?.issues.map(describeIssue), ['spec.routes[0].condition.any[0].headerRegex: unknown field']);
      assert.equal(strictServiceProfileSchema.safeParse(fixtures.serviceProfile).success, true);
    });

    it('rejects a profile with a malformed weight, so the default profile applies', () => {
      const spec = { dstOverrides: [{ authority: 'web', weight: 'half' }] };
      assert.equal(serviceProfileKind.schema.safeParse(withSpec(fixtures.serviceProfile, spec)).success, false);
    });
  });

  describe('allKinds', () => {
    it('lists every kind once, in the stable order', () => {
      assert.deepEqual(allKinds.map((k) => `${k.kind}.${k.group}`), [
        'Namespace.', 'Node.', 'Pod.', 'Service.', 'EndpointSlice.discovery.k8s.io', 'ReplicaSet.apps', 'Job.batch',
        'Server.policy.linkerd.io', 'ServerAuthorization.policy.linkerd.io', 'AuthorizationPolicy.policy.linkerd.io',
        'MeshTLSAuthentication.policy.linkerd.io', 'NetworkAuthentication.policy.linkerd.io', 'HTTPRoute.policy.linkerd.io',
        'HTTPRoute.gateway.networking.k8s.io', 'GRPCRoute.gateway.networking.k8s.io', 'ServiceProfile.linkerd.io',
      ]);
    });

    it('marks only the Gateway API kinds optional', () => {
      assert.deepEqual(allKinds.filter((k) => k.optional).map((k) => k.group), ['gateway.networking.k8s.io', 'gateway.networking.k8s.io']);
    });

    it('lists the cluster-scoped kinds as not namespaced', () => {
      assert.deepEqual(allKinds.filter((k) => !k.namespaced).map((k) => k.kind), ['Namespace', 'Node']);
    });
  });
});
