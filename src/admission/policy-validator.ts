/**
 * The policy-validator webhook: Linkerd's validation of policy.linkerd.io resources (Server,
 * ServerAuthorization, AuthorizationPolicy, MeshTLSAuthentication, NetworkAuthentication,
 * HTTPRoute) and of Gateway API HTTPRoutes and GRPCRoutes, before the API server stores them.
 *
 * Contract, as Linkerd's policy controller behaves:
 * - The kind is chosen by the request's group and kind (case-insensitively); any other kind is
 *   denied as an unsupported resource type. (Linkerd's chart registers the Gateway HTTPRoute but
 *   not the GRPCRoute with this webhook; its controller validates both when sent them, as here.)
 * - The object is parsed with the same zod schema the informers use, at full strictness (not the
 *   fail-closed wrapper): a field Sinew does not know is denied, so nothing is admitted that the
 *   control plane would then read as invalid. Then Linkerd's semantic checks run (targetRef and
 *   authentication kinds, network exceptions, route regexes and timeouts, and, given a lookup,
 *   Servers claiming the same port for the same pods).
 * - A denial names each field and its problem (`spec.port: expected a port name (IANA service
 *   name)`), up to ten of them.
 * - CREATE and UPDATE are validated (the new object); DELETE and CONNECT are allowed: there is no
 *   new object, and Linkerd registers its webhook for CREATE and UPDATE only.
 *
 * Idempotent and side-effect free: the only state read is through the optional Server lookup.
 */
import { z } from 'zod';
import { validAuthorizationPolicySchema } from '../informers/kinds/authorization-policy.js';
import { validGatewayHttpRouteSchema } from '../informers/kinds/gateway-http-route.js';
import { validGrpcRouteSchema } from '../informers/kinds/grpc-route.js';
import { validHttpRouteSchema } from '../informers/kinds/http-route.js';
import { validMeshTlsAuthenticationSchema } from '../informers/kinds/mesh-tls-authentication.js';
import { validNetworkAuthenticationSchema } from '../informers/kinds/network-authentication.js';
import { validServerAuthorizationSchema } from '../informers/kinds/server-authorization.js';
import { validServerSchema } from '../informers/kinds/server.js';
import { type AdmissionRequest, type AdmissionValidator, type AdmissionVerdict, allow, deny, screenRequest, unsupportedKind } from './admission-review.js';
import { admittedMetadataSchema, withRequestNamespace } from './admitted-object.js';
import {
  authorizationPolicyProblems,
  meshTlsAuthenticationProblems,
  networkAuthenticationProblems,
  serverAuthorizationProblems,
} from './authorization-checks.js';
import { denialMessage, type Problem, problemAt, zodProblems } from './problems.js';
import { type GroupKind, groupKinds, refersTo } from './refs.js';
import { type ServerLookup, serverOverlapProblems } from './server-checks.js';
import { grpcRouteProblems, httpRouteProblems } from './route-checks.js';

export interface PolicyValidatorOptions {
  /** The Servers of a namespace, for Linkerd's overlapping-Server check; without it the check is skipped. */
  readonly serversInNamespace?: ServerLookup;
}

interface Admitted<Spec> {
  readonly metadata: z.infer<typeof admittedMetadataSchema>;
  readonly spec: Spec;
}

type Checks<Spec> = (object: Admitted<Spec>, options: PolicyValidatorOptions) => Problem[] | Promise<Problem[]>;

/** One validated kind: its schema and checks, with the object's type erased for the dispatch table. */
interface KindValidator {
  readonly kind: GroupKind;
  problems(object: unknown, options: PolicyValidatorOptions): Promise<Problem[]>;
}

function kindValidator<Spec>(kind: GroupKind, schema: z.ZodType<Admitted<Spec>>, checks: Checks<Spec>): KindValidator {
  return {
    kind,
    problems: async (object, options) => {
      const parsed = schema.safeParse(object);
      return parsed.success ? checks(parsed.data, options) : zodProblems(parsed.error);
    },
  };
}

const admitted = { metadata: admittedMetadataSchema };

async function serverProblems(server: Admitted<z.infer<typeof validServerSchema>['spec']>, options: PolicyValidatorOptions): Promise<Problem[]> {
  const lookup = options.serversInNamespace;
  if (lookup === undefined) return [];
  const namespace = server.metadata.namespace;
  try {
    return serverOverlapProblems(server.metadata.name, namespace, server.spec, await lookup(namespace));
  } catch (error) {
    // Linkerd denies too when it cannot list the Servers: admitting could let two Servers claim one port.
    return [problemAt(['spec', 'port'], `could not list the Servers of namespace ${namespace} to check for overlaps: ${(error as Error).message}`)];
  }
}

const validators: readonly KindValidator[] = [
  kindValidator(groupKinds.server, validServerSchema.extend(admitted), serverProblems),
  kindValidator(groupKinds.serverAuthorization, validServerAuthorizationSchema.extend(admitted),
    (object) => serverAuthorizationProblems(object.spec)),
  kindValidator(groupKinds.authorizationPolicy, validAuthorizationPolicySchema.extend(admitted),
    (object) => authorizationPolicyProblems(object.spec, object.metadata.namespace)),
  kindValidator(groupKinds.meshTlsAuthentication, validMeshTlsAuthenticationSchema.extend(admitted), (object) => meshTlsAuthenticationProblems(object.spec)),
  kindValidator(groupKinds.networkAuthentication, validNetworkAuthenticationSchema.extend(admitted), (object) => networkAuthenticationProblems(object.spec)),
  kindValidator(groupKinds.linkerdHttpRoute, validHttpRouteSchema.extend(admitted), (object) => httpRouteProblems(object.spec)),
  kindValidator(groupKinds.gatewayHttpRoute, validGatewayHttpRouteSchema.extend(admitted), (object) => httpRouteProblems(object.spec)),
  kindValidator(groupKinds.grpcRoute, validGrpcRouteSchema.extend(admitted), (object) => grpcRouteProblems(object.spec)),
];

/** The group/kind pairs the policy validator admits, for webhook configurations and messages. */
export const policyValidatorKinds: readonly GroupKind[] = validators.map((validator) => validator.kind);

/** A validator for the policy-validator webhook. */
export function policyValidator(options: PolicyValidatorOptions = {}): AdmissionValidator {
  return async (request: AdmissionRequest): Promise<AdmissionVerdict> => {
    const early = screenRequest(request);
    if (early !== undefined) return early;
    const validator = validators.find((candidate) => refersTo(request.kind, candidate.kind));
    if (validator === undefined) return unsupportedKind(request);
    const problems = await validator.problems(withRequestNamespace(request.object, request.namespace), options);
    return problems.length === 0 ? allow : deny(denialMessage(problems));
  };
}
