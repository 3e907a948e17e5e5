/**
 * The dashboard's page addresses, which all answer with the one page (its script draws the view):
 * `/` and `/namespaces` (every namespace), `/namespaces/NS` (its workloads) and
 * `/namespaces/NS/TYPES/NAME` (one workload, TYPES in Linkerd's plural form: deployments, pods, …).
 * Anything else is not a page, so the server answers 404 rather than a page that would show an error.
 */
import type { ResourceType } from '../metrics-api-types.js';

/** The workload types a page can show, by the plural its address uses. */
export const workloadPages: Readonly<Record<string, ResourceType>> = {
  deployments: 'deployment', statefulsets: 'statefulset', daemonsets: 'daemonset', jobs: 'job', cronjobs: 'cronjob',
  replicasets: 'replicaset', replicationcontrollers: 'replicationcontroller', pods: 'pod',
};

const label = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const objectName = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Whether the page serves `pathname` (already percent-decoded segments are not accepted: names never need escapes). */
export function isPagePath(pathname: string): boolean {
  if (pathname === '/' || pathname === '/namespaces' || pathname === '/namespaces/') return true;
  const parts = pathname.split('/');
  if (parts[0] !== '' || parts[1] !== 'namespaces' || !label.test(parts[2] ?? '')) return false;
  if (parts.length === 3) return true;
  return parts.length === 5 && Object.hasOwn(workloadPages, parts[3] ?? '') && objectName.test(parts[4] ?? '');
}
