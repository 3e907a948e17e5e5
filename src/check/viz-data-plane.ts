/**
 * linkerd-viz-data-plane (with `--proxy`): does Prometheus have the proxies' metrics? Every running
 * pod with a proxy of this control plane (in the namespace given, or all) must have been scraped
 * successfully by the `linkerd-proxy` job on Prometheus' last attempt. A warning, retried while
 * `--wait` lasts (a new pod is scraped within one interval), as in Linkerd; skipped when no
 * Prometheus can be asked (viz installed with an external one and no `--prometheus-addr`).
 */
import { type Category, SkipCheck } from './checker.js';
import { need } from './check-facts.js';
import { controlPlaneNsLabel } from './control-plane-names.js';
import { listPods } from './linkerd-existence.js';
import { checkNamespace } from './namespace-check.js';
import { proxyContainer } from './pod-readiness.js';
import { prometheusReachable, type VizCheckFacts, type VizCheckOptions, type VizServices } from './viz-facts.js';
import { scrapedProxies } from './viz-prometheus.js';

export function vizDataPlaneChecks(options: VizCheckOptions, facts: VizCheckFacts, services: VizServices): Category {
  const client = () => need(facts.client, 'the API client');
  return {
    id: 'linkerd-viz-data-plane',
    checkers: [
      {
        description: 'data plane namespace exists', hintAnchor: 'l5d-data-plane-exists', fatal: true,
        run: async (signal) => {
          if (options.dataPlaneNamespace !== undefined) await checkNamespace(client(), options.dataPlaneNamespace, true, signal);
        },
      },
      {
        description: 'data plane proxy metrics are present in Prometheus', hintAnchor: 'l5d-data-plane-prom', warning: true, retry: true,
        run: async (signal) => {
          if (!prometheusReachable(options, facts)) throw new SkipCheck('no Prometheus to ask');
          const pods = (await listPods(client(), options.dataPlaneNamespace, signal, `${controlPlaneNsLabel}=${options.controlPlaneNamespace}`))
            .filter((pod) => pod.status?.phase === 'Running' && proxyContainer(pod) !== undefined);
          const scraped = await scrapedProxies(services.prometheus(need(facts.vizNamespace, 'the viz namespace')), signal);
          const missing = pods.map((pod) => `${pod.metadata.namespace ?? ''}/${pod.metadata.name}`).filter((name) => !scraped.has(name)).sort();
          if (missing.length > 0) throw new Error(`Data plane metrics not found for ${missing.join(', ')}.`);
        },
      },
    ],
  };
}
