/** The reconcilers the control plane runs, in a stable order. */
import { endpointsReconciler } from './endpoints.js';
import type { Reconciler } from './reconciler.js';

export const allReconcilers: readonly Reconciler[] = [endpointsReconciler as Reconciler];
