/**
 * The identity material as installed: the trust anchors from the `linkerd-identity-trust-roots`
 * ConfigMap (`ca-bundle.crt`) and the issuer from the `linkerd-identity-issuer` Secret, in either
 * layout the identity service reads: Linkerd's `crt.pem`/`key.pem`, or a `kubernetes.io/tls`
 * Secret's `tls.crt`/`tls.key` (with cert-manager's `ca.crt`, used only to build the chain).
 *
 * Contract: reads two objects; throws an Error naming the object and key that is missing or does
 * not parse, or whose key does not belong to its certificate. Validity is not judged here.
 */
import type { IdentityMaterial } from './check-facts.js';
import type { ClusterReader } from './cluster-reader.js';
import { issuerSecret, trustRootsConfigMap, trustRootsKey } from './control-plane-names.js';
import { parseCertificates, parseMatchingKey } from './certificates.js';
import { configMapSchema, parseAs, paths, secretSchema } from './resources.js';

function decoded(data: Readonly<Record<string, string>>, key: string): string | undefined {
  const value = data[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

export async function readIdentityMaterial(client: ClusterReader, namespace: string, signal: AbortSignal): Promise<IdentityMaterial> {
  const rootsObject = await client.get(paths.configMap(namespace, trustRootsConfigMap), signal);
  if (rootsObject === undefined) throw new Error(`configmaps "${trustRootsConfigMap}" not found`);
  const roots = parseAs(configMapSchema, rootsObject, `configmap ${trustRootsConfigMap}`).data?.[trustRootsKey];
  if (roots === undefined || roots.trim() === '') throw new Error(`key ${trustRootsKey} needs to exist in configmap ${trustRootsConfigMap}`);
  const anchors = parseCertificates(roots, `configmap ${trustRootsConfigMap} ${trustRootsKey}`);

  const secretObject = await client.get(paths.secret(namespace, issuerSecret), signal);
  if (secretObject === undefined) throw new Error(`secrets "${issuerSecret}" not found`);
  const data = parseAs(secretSchema, secretObject, `secret ${issuerSecret}`).data ?? {};
  const [certKey, keyKey] = data['crt.pem'] !== undefined ? ['crt.pem', 'key.pem'] : ['tls.crt', 'tls.key'];
  const certificatePem = decoded(data, certKey);
  const keyPem = decoded(data, keyKey);
  if (certificatePem === undefined) throw new Error(`key crt.pem or tls.crt needs to exist in secret ${issuerSecret}`);
  if (keyPem === undefined) throw new Error(`key ${keyKey} needs to exist in secret ${issuerSecret}`);
  const issuer = parseCertificates(certificatePem, `secret ${issuerSecret} ${certKey}`);
  parseMatchingKey(keyPem, issuer[0] as (typeof issuer)[number], `secret ${issuerSecret} ${keyKey}`);
  const extra = certKey === 'tls.crt' ? decoded(data, 'ca.crt') : undefined;
  const intermediates = extra === undefined || extra.trim() === '' ? [] : parseCertificates(extra, `secret ${issuerSecret} ca.crt`);
  return { anchors, issuer: [...issuer, ...intermediates] };
}
