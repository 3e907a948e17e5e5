/**
 * Which categories a `sinew viz check` runs, in order, as Linkerd's `viz check`: the Kubernetes
 * API (everything needs it) and the control plane's existence (viz cannot work without it), then
 * linkerd-viz, and with `--proxy` linkerd-viz-data-plane.
 */
import type { Category } from './checker.js';
import type { ClusterReader } from './cluster-reader.js';
import { kubernetesApiChecks } from './kubernetes-api.js';
import { linkerdExistenceChecks } from './linkerd-existence.js';
import { vizDataPlaneChecks } from './viz-data-plane.js';
import { vizExtensionChecks } from './viz-extension.js';
import type { VizCheckFacts, VizCheckOptions, VizServices } from './viz-facts.js';

export interface VizPlanInputs {
  readonly options: VizCheckOptions;
  /** `--proxy`: also check that Prometheus has the data plane's metrics. */
  readonly proxy: boolean;
  readonly connect: () => ClusterReader;
  readonly services: VizServices;
}

export function vizCheckPlan(inputs: VizPlanInputs): readonly Category[] {
  const { options, connect, services } = inputs;
  const facts: VizCheckFacts = {};
  return [
    kubernetesApiChecks(facts, connect),
    linkerdExistenceChecks(options, facts),
    vizExtensionChecks(options, facts, services),
    ...(inputs.proxy ? [vizDataPlaneChecks(options, facts, services)] : []),
  ];
}
