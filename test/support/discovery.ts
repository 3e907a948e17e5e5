/**
 * Discovery documents of the fake API server: `/version`, `/api`, `/apis`, `/apis/{group}` and the
 * resource lists at `/api/v1` and `/apis/{group}/{version}`.
 *
 * Contract: pure functions of the registered resources; enough for a client to find a resource's
 * group, version, kind, scope and verbs (the shapes of APIVersions, APIGroupList, APIGroup and
 * APIResourceList). The authentication.k8s.io group (TokenReview) is always listed.
 */
import type { ServedResource } from './fake-resources.js';

const TOKEN_REVIEWS: ServedResource = {
  group: 'authentication.k8s.io', version: 'v1', plural: 'tokenreviews', kind: 'TokenReview', namespaced: false,
  id: 'tokenreviews.authentication.k8s.io' as ServedResource['id'], apiVersion: 'authentication.k8s.io/v1',
};

const OBJECT_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function versionInfo(): Record<string, string> {
  return {
    major: '1',
    minor: '31',
    gitVersion: 'v1.31.0-sinew-fake',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2024-08-13T00:00:00Z',
    goVersion: 'go1.22.5',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function coreVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function withTokenReviews(resources: readonly ServedResource[]): readonly ServedResource[] {
  return [...resources, TOKEN_REVIEWS];
}

function groupDocument(group: string, resources: readonly ServedResource[]): Record<string, unknown> {
  const versions = [...new Set(resources.filter((r) => r.group === group).map((r) => r.version))]
    .map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions, preferredVersion: versions[0] };
}

export function groupList(resources: readonly ServedResource[]): Record<string, unknown> {
  const all = withTokenReviews(resources);
  const groups = [...new Set(all.map((r) => r.group).filter((g) => g !== ''))].sort();
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => groupDocument(g, all)) };
}

/** The APIGroup document, or undefined for a group nothing is served in. */
export function group(name: string, resources: readonly ServedResource[]): Record<string, unknown> | undefined {
  const all = withTokenReviews(resources);
  return name !== '' && all.some((r) => r.group === name) ? groupDocument(name, all) : undefined;
}

/** The APIResourceList of one group version, or undefined if nothing is served there. */
export function resourceList(groupName: string, version: string, resources: readonly ServedResource[]): Record<string, unknown> | undefined {
  const served = withTokenReviews(resources).filter((r) => r.group === groupName && r.version === version);
  if (served.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupName === '' ? version : `${groupName}/${version}`,
    resources: served.map((r) => ({
      name: r.plural,
      singularName: r.kind.toLowerCase(),
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r === TOKEN_REVIEWS ? ['create'] : OBJECT_VERBS,
    })),
  };
}
