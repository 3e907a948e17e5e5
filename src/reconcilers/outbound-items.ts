/**
 * What the outbound view holds for one Service (key `<namespace>/<service>`), independent of the
 * port and of the client, which each subscriber applies (src/streams/policy/outbound-lens.ts):
 * - `service`: the Service's own client policy — its opaque ports, failure accrual, and the retries
 *   and timeouts its routes fall back to — and the problems found on the way (annotations that could
 *   not be read, routes that were not used), for diagnostics.
 * - `http:<group>/<namespace>/<name>` and `grpc:<namespace>/<name>`: each HTTPRoute or GRPCRoute
 *   attached to the Service and usable, in the proxy API's terms, with the ports it is attached to
 *   and its creation time (routes are ordered oldest first, then by name).
 *
 * Route messages are proto-shaped, with two conventions: header values (`bytes` on the wire) are
 * base64 text, which the gRPC encoder reads as bytes and which survives JSON; and a rule whose
 * `backends` is null sends its requests to the Service itself, on the port the client asked for.
 */
import type { Timeouts } from '../gen/proto/io/linkerd/proxy/http_route/Timeouts.js';
import type { FailureAccrual } from '../gen/proto/io/linkerd/proxy/outbound/FailureAccrual.js';
import type { GrpcRoute } from '../gen/proto/io/linkerd/proxy/outbound/GrpcRoute.js';
import type { HttpRoute } from '../gen/proto/io/linkerd/proxy/outbound/HttpRoute.js';
import type { GrpcRetry, HttpRetry } from './outbound-annotations.js';

export interface OutboundServiceItem {
  readonly type: 'service';
  readonly namespace: string;
  readonly name: string;
  /** The opaque-ports list that applies: the Service's annotation, else its namespace's, else the default. */
  readonly opaquePorts: string;
  readonly failureAccrual: FailureAccrual | null;
  readonly httpRetry: HttpRetry | null;
  readonly grpcRetry: GrpcRetry | null;
  readonly timeouts: Timeouts;
  /** Human-readable, sorted: what was ignored and why. */
  readonly problems: readonly string[];
}

interface RouteItemCommon {
  readonly type: 'route';
  readonly group: string;
  readonly namespace: string;
  readonly name: string;
  /** RFC 3339, or null when the object has none (such routes sort last). */
  readonly createdAt: string | null;
  /** The Service ports the route is attached to; null means every port. */
  readonly ports: readonly number[] | null;
}

export interface OutboundHttpRouteItem extends RouteItemCommon {
  readonly kind: 'HTTPRoute';
  readonly route: HttpRoute;
}

export interface OutboundGrpcRouteItem extends RouteItemCommon {
  readonly kind: 'GRPCRoute';
  readonly route: GrpcRoute;
}

export type OutboundRouteItem = OutboundHttpRouteItem | OutboundGrpcRouteItem;

export type OutboundItem = OutboundServiceItem | OutboundRouteItem;
