/**
 * Profiles: per Service, what GetProfile answers are made of.
 *
 * Key: `<namespace>/<service>`. Items: `service` (its fully qualified name and the opaque ports
 * that apply to it: its own `config.linkerd.io/opaque-ports`, else its namespace's, else the
 * default list), and `sp:<namespace>` for each ServiceProfile named after the service's FQDN, in
 * any namespace (a client's namespace wins over the service's: the stream picks). A profile that
 * cannot be translated is left out, so the default applies (it never half-applies).
 */
import { objectKey } from '../informers/kind.js';
import type { Namespace } from '../informers/kinds/namespace.js';
import type { Service } from '../informers/kinds/service.js';
import type { ServiceProfile } from '../informers/kinds/service-profile.js';
import type { ResourceId } from '../informers/object.js';
import type { StoreView } from '../store/store-view.js';
import { snapshotOf } from '../streams/snapshot.js';
import type { MeshConfig } from './mesh-config.js';
import { opaquePortsAnnotation } from './pod-endpoint.js';
import { profileSpec, ProfileTranslationError, type ProfileSpec } from './profile-routes.js';
import type { Reconciler } from './reconciler.js';

export interface ServiceFacts {
  readonly fqdn: string;
  readonly opaquePorts: string;
}

export type ProfileItem = ServiceFacts | ProfileSpec;

const services = 'services' as ResourceId;
const namespaces = 'namespaces' as ResourceId;
const serviceProfiles = 'serviceprofiles.linkerd.io' as ResourceId;

export function profilesReconciler(config: MeshConfig): Reconciler<ProfileItem> {
  const suffix = `.svc.${config.clusterDomain}`;
  const keyOfName = (name: string): string | undefined => {
    if (!name.endsWith(suffix)) return undefined;
    const parts = name.slice(0, -suffix.length).split('.');
    return parts.length === 2 ? `${parts[1]}/${parts[0]}` : undefined;
  };
  return {
    name: 'profiles',

    *affected(change, view) {
      for (const object of [change.before, change.after]) {
        if (object === undefined) continue;
        if (change.resource === services) yield `${object.metadata.namespace}/${object.metadata.name}`;
        else if (change.resource === namespaces) {
          for (const service of view.list(services, object.metadata.name)) yield `${service.metadata.namespace}/${service.metadata.name}`;
        } else if (change.resource === serviceProfiles) {
          const key = keyOfName(object.metadata.name);
          if (key !== undefined) yield key;
        }
      }
    },

    reconcile(view, key) {
      const [namespace = '', name = ''] = key.split('/');
      const service = view.get<Service>(objectKey(services, namespace, name));
      if (service === undefined) return undefined;
      const fqdn = `${name}.${namespace}${suffix}`;
      const entries: (readonly [string, ProfileItem])[] = [['service', { fqdn, opaquePorts: opaquePortsOf(view, config, service) }]];
      for (const profile of view.list<ServiceProfile>(serviceProfiles)) {
        if (profile.metadata.name !== fqdn) continue;
        try {
          entries.push([`sp:${profile.metadata.namespace}`, profileSpec(profile)]);
        } catch (error) {
          if (!(error instanceof ProfileTranslationError)) throw error;
        }
      }
      return snapshotOf(entries);
    },

    *keys(view) {
      for (const service of view.list(services)) yield `${service.metadata.namespace}/${service.metadata.name}`;
    },
  };
}

function opaquePortsOf(view: StoreView, config: MeshConfig, service: Service): string {
  return service.metadata.annotations?.[opaquePortsAnnotation]
    ?? view.get<Namespace>(objectKey(namespaces, undefined, service.metadata.namespace))?.metadata.annotations?.[opaquePortsAnnotation]
    ?? config.defaultOpaquePorts;
}
