/**
 * "Why was my request denied?": an inbound decision and its chain, as text or JSON. Which server
 * the port got (a Server, or the default policy and where it came from), every resource that was
 * considered and why it did or did not apply, the route a request took, each authorization and
 * why it admitted the client or not, then the verdict. Depends only on its inputs, so a replayed
 * log always explains the same way.
 */
import { type InboundClient, type InboundDecision } from '../reconcilers/inbound-decision.js';
import { type InboundServer, refText } from '../reconcilers/inbound-model.js';

export interface Explanation {
  readonly target: string;
  readonly client: InboundClient;
  readonly server: InboundServer;
  readonly decision: InboundDecision;
}

export function formatExplanation(explanation: Explanation, format: 'text' | 'json'): string {
  const { target, client, server, decision } = explanation;
  if (format === 'json') {
    return JSON.stringify({
      target, client, verdict: decision.verdict, summary: decision.summary,
      server: { ref: server.ref, protocol: server.protocol, notes: server.notes },
      route: decision.route, authorization: decision.authorization, considered: decision.considered,
    }, null, 2) + '\n';
  }
  const lines: string[] = [];
  lines.push(`${target}: ${decision.verdict.toUpperCase()}`);
  lines.push(`  client: ${clientText(client)}`);
  lines.push(`  server: ${refText(server.ref)} (protocol ${server.protocol})`);
  for (const note of server.notes) lines.push(`    ${note.applied ? '+' : '-'} ${refText(note.ref)}: ${note.reason}`);
  if (decision.route !== undefined) lines.push(`  route: ${refText(decision.route)}`);
  lines.push(decision.considered.length === 0 ? '  authorizations: none' : '  authorizations:');
  for (const entry of decision.considered) lines.push(`    ${entry.admits ? 'admits' : 'no'}: ${refText(entry.ref)}: ${entry.reason}`);
  lines.push(`  decision: ${decision.summary}`);
  return lines.join('\n') + '\n';
}

function clientText(client: InboundClient): string {
  const parts = [
    client.ip === undefined ? 'address unknown' : client.ip,
    client.identity !== undefined ? `identity ${client.identity}` : client.tls ? 'mesh TLS without identity' : 'not meshed (no mesh TLS)',
    client.path === undefined ? 'a connection (no --path)' : `${client.method ?? 'GET'} ${client.path}`,
  ];
  return parts.join(', ');
}
