/**
 * `viz edges` output, as Linkerd's CLI prints it: `SRC DST SRC_NS DST_NS SECURED` (`-o wide` adds
 * `CLIENT_ID SERVER_ID` before SECURED), identities shortened to `<service account>.<namespace>`,
 * SECURED `√` when both sides have an identity, else the reason there is none; `-o json` an array of
 * `{ src, src_namespace, dst, dst_namespace, client_id, server_id, no_tls_reason }`.
 *
 * Contract: pure; every column left-aligned.
 */
import type { Edge } from './metrics-api-types.js';
import type { OutputFormat } from './stat-format.js';
import { renderTable } from './table-text.js';

/** `web.shop` from `web.shop.serviceaccount.identity.linkerd.cluster.local`. */
export function shortIdentity(identity: string): string {
  return identity.split('.').slice(0, 2).join('.');
}

function secured(edge: Edge): string {
  if (edge.clientId !== '' && edge.serverId !== '') return '√';
  if (edge.noIdentityMsg !== '') return edge.noIdentityMsg;
  return edge.serverId === '' ? 'Not Provided By Remote' : 'Unknown Client';
}

export function formatEdges(edges: readonly Edge[], output: OutputFormat): { out: string; note?: string } {
  if (output === 'json') {
    return {
      out: `${JSON.stringify(edges.map((edge) => ({
        src: edge.src.name, src_namespace: edge.src.namespace, dst: edge.dst.name, dst_namespace: edge.dst.namespace,
        client_id: shortIdentity(edge.clientId), server_id: shortIdentity(edge.serverId), no_tls_reason: edge.noIdentityMsg,
      })), null, 2)}\n`,
    };
  }
  if (edges.length === 0) return { out: '', note: 'No edges found.' };
  const wide = output === 'wide';
  const header = ['SRC', 'DST', 'SRC_NS', 'DST_NS', ...(wide ? ['CLIENT_ID', 'SERVER_ID'] : []), 'SECURED'];
  const body = edges.map((edge) => [
    edge.src.name, edge.dst.name, edge.src.namespace, edge.dst.namespace,
    ...(wide ? [shortIdentity(edge.clientId), shortIdentity(edge.serverId)] : []), secured(edge),
  ]);
  return { out: renderTable([header, ...body], { leftColumns: header.length }) };
}
