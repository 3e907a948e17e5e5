/**
 * The control plane's Services, with Linkerd's names, ports and port names, so proxies and tools
 * built for Linkerd find them where they expect:
 *
 * | Service | port | to |
 * |---|---|---|
 * | linkerd-dst, linkerd-dst-headless | grpc 8086 | destination 8086 |
 * | linkerd-policy (headless) | grpc 8090 | destination 8090 |
 * | linkerd-sp-validator | sp-validator 443 | destination `policy-https` (9443, path /sp) |
 * | linkerd-policy-validator | policy-https 443 | destination `policy-https` (9443, path /policy) |
 * | linkerd-identity, linkerd-identity-headless | grpc 8080 | identity 8080 |
 * | linkerd-proxy-injector | proxy-injector 443 | proxy-injector `proxy-injector` (8443) |
 */
import { componentLabels, type ComponentName, labelNames, type Manifest } from './manifest.js';

export interface ServicePortSpec {
  readonly name: string;
  readonly port: number;
  readonly targetPort: number | string;
}

interface ServiceSpec {
  readonly name: string;
  readonly component: ComponentName;
  readonly headless: boolean;
  readonly port: ServicePortSpec;
  readonly annotations?: Readonly<Record<string, string>>;
}

export const controlPlaneServices: readonly ServiceSpec[] = [
  { name: 'linkerd-dst', component: 'destination', headless: false, port: { name: 'grpc', port: 8086, targetPort: 8086 } },
  { name: 'linkerd-dst-headless', component: 'destination', headless: true, port: { name: 'grpc', port: 8086, targetPort: 8086 } },
  { name: 'linkerd-sp-validator', component: 'destination', headless: false, port: { name: 'sp-validator', port: 443, targetPort: 'policy-https' } },
  { name: 'linkerd-policy', component: 'destination', headless: true, port: { name: 'grpc', port: 8090, targetPort: 8090 } },
  { name: 'linkerd-policy-validator', component: 'destination', headless: false, port: { name: 'policy-https', port: 443, targetPort: 'policy-https' } },
  { name: 'linkerd-identity', component: 'identity', headless: false, port: { name: 'grpc', port: 8080, targetPort: 8080 } },
  { name: 'linkerd-identity-headless', component: 'identity', headless: true, port: { name: 'grpc', port: 8080, targetPort: 8080 } },
  {
    name: 'linkerd-proxy-injector', component: 'proxy-injector', headless: false,
    port: { name: 'proxy-injector', port: 443, targetPort: 'proxy-injector' }, annotations: { [labelNames.opaquePorts]: '443' },
  },
];

export function serviceManifests(namespace: string, createdBy: string): Manifest[] {
  return controlPlaneServices.map((service) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: service.name, namespace, labels: componentLabels(namespace, service.component),
      annotations: { [labelNames.createdBy]: createdBy, ...service.annotations },
    },
    spec: {
      ...(service.headless ? { clusterIP: 'None' } : { type: 'ClusterIP' }),
      selector: { [labelNames.controlPlaneComponent]: service.component },
      ports: [{ ...service.port, protocol: 'TCP' }],
    },
  }));
}
