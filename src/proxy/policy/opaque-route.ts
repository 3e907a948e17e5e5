/**
 * The route an opaque (or TLS) connection takes, and its filters as actions: `invalid_backend_error`
 * fails the connection with the message, `route_error` (FORBIDDEN) refuses it, and an unknown
 * filter fails it as an internal error. Pure.
 */
import type { OutboundRouteLabels } from './policy-labels.js';
import type { Backend, DistributionKind } from './outbound-backends.js';

export type OpaqueFilterAction =
  | { readonly kind: 'fail'; readonly message: string }
  | { readonly kind: 'forbidden' }
  | { readonly kind: 'internal-error'; readonly message: string };

export interface OpaqueChoice {
  readonly kind: 'route';
  readonly labels: OutboundRouteLabels;
  readonly distribution: DistributionKind;
  readonly backends: readonly Backend<readonly OpaqueFilterAction[]>[];
  readonly filters: readonly OpaqueFilterAction[];
}

interface OpaqueFilterMessage {
  readonly kind?: string | undefined;
  readonly invalid_backend_error?: { readonly message: string } | null | undefined;
  readonly route_error?: { readonly kind: string | number } | null | undefined;
}

export function compileOpaqueFilters(filters: readonly OpaqueFilterMessage[], _where: string): readonly OpaqueFilterAction[] {
  return filters.map((filter): OpaqueFilterAction => {
    if (filter.invalid_backend_error != null) return { kind: 'fail', message: filter.invalid_backend_error.message };
    if (filter.route_error != null) return { kind: 'forbidden' };
    return { kind: 'internal-error', message: 'policy configured with an unknown filter' };
  });
}
