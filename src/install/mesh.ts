/**
 * How the control plane's own pods are meshed with the Sinew proxy. This is the one place that
 * calls the injection shared with `sinew inject --manual` and the proxy-injector webhook
 * (src/inject/): until that injection exists, control-plane pods are rendered without a proxy.
 */
import type { ControlPlanePod, PodMesher, PodTemplate } from './deployments.js';

export const meshControlPlanePod: PodMesher = (pod: ControlPlanePod): PodTemplate => pod.template;
