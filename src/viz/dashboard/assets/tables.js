/*
 * The tables of the dashboard. Each table keeps the API address it shows (`data-query`); each row
 * names its resource (`data-resource="type/namespace/name"`) and each number cell its field
 * (`data-field`) and raw value (`data-value`), so what is shown can be checked against the API.
 */
import { h } from './dom.js';
import { countText, latencyText, pluralOf, rpsText, successRateText } from './format.js';

/** A link that the page follows without reloading. */
export function navLink(href, text) {
  return h('a', { href, 'data-nav': true }, text);
}

export function resourcePage(resource) {
  if (resource.type === 'namespace') return `/namespaces/${resource.name}`;
  return `/namespaces/${resource.namespace}/${pluralOf(resource.type)}/${resource.name}`;
}

function rawValue(value) {
  return value === null || value === undefined ? 'null' : String(value);
}

/** A number cell: its field, its raw value and its text. */
export function numberCell(field, value, text) {
  return h('td', { class: 'num', 'data-field': field, 'data-value': rawValue(value) }, text);
}

/** The HTTP columns of a row of basic stats (null stats: no traffic). */
export function statCells(stats) {
  return [
    numberCell('successRate', stats?.successRate ?? null, successRateText(stats?.successRate)),
    numberCell('rps', stats?.rps ?? null, rpsText(stats?.rps)),
    numberCell('latencyMsP50', stats?.latencyMsP50 ?? null, latencyText(stats?.latencyMsP50)),
    numberCell('latencyMsP95', stats?.latencyMsP95 ?? null, latencyText(stats?.latencyMsP95)),
    numberCell('latencyMsP99', stats?.latencyMsP99 ?? null, latencyText(stats?.latencyMsP99)),
  ];
}

const statHeadings = ['Success', 'RPS', 'P50', 'P95', 'P99'];
const numericHeadings = new Set([...statHeadings, 'Meshed', 'Meshed pods', 'TCP']);

function table(query, caption, headings, rows, empty) {
  return h('table', { class: 'stats', 'data-query': query },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, headings.map((heading) => h('th', { scope: 'col', class: numericHeadings.has(heading) ? 'num' : null }, heading)))),
    h('tbody', {}, rows.length > 0 ? rows : h('tr', { class: 'empty' }, h('td', { colspan: headings.length }, empty))));
}

/** Workloads of one type: NAME MESHED SUCCESS RPS P50 P95 P99 TCP, from a stat answer. */
export function statTable(query, caption, response) {
  const rows = response.rows.map((row) => {
    const { type, namespace, name } = row.resource;
    return h('tr', { 'data-resource': `${type}/${namespace}/${name}` },
      h('th', { scope: 'row' }, navLink(resourcePage(row.resource), name)),
      h('td', { class: 'num', 'data-field': 'meshed', 'data-value': `${row.meshedPodCount}/${row.runningPodCount}` },
        `${row.meshedPodCount}/${row.runningPodCount}`),
      statCells(row.stats),
      numberCell('tcpOpenConnections', row.tcp?.openConnections ?? null, countText(row.tcp?.openConnections)));
  });
  return table(query, caption, ['Name', 'Meshed', ...statHeadings, 'TCP'], rows, 'none');
}

/** Every namespace, with its meshed pods and its traffic (the stat answer may lack a namespace without traffic). */
export function namespaceTable(query, namespaces, stat) {
  const statOf = new Map(stat.rows.map((row) => [row.resource.name, row]));
  const rows = namespaces.namespaces.map((namespace) => {
    const row = statOf.get(namespace.name);
    return h('tr', { 'data-resource': `namespace//${namespace.name}` },
      h('th', { scope: 'row' }, navLink(`/namespaces/${namespace.name}`, namespace.name)),
      h('td', { class: 'num', 'data-field': 'meshed', 'data-value': `${namespace.meshedPodCount}/${namespace.podCount}` },
        `${namespace.meshedPodCount}/${namespace.podCount}`),
      statCells(row?.stats ?? null));
  });
  return table(query, 'Namespaces', ['Namespace', 'Meshed pods', ...statHeadings], rows, 'no namespaces');
}

/** The edges that touch `self` (a resource): direction, peer, identities and whether mTLS secures it. */
export function edgeTable(query, response, self) {
  const same = (a) => a.type === self.type && a.namespace === self.namespace && a.name === self.name;
  const rows = response.edges.filter((edge) => same(edge.src) || same(edge.dst)).map((edge) => {
    const inbound = same(edge.dst);
    const peer = inbound ? edge.src : edge.dst;
    return h('tr', { 'data-resource': `${peer.type}/${peer.namespace}/${peer.name}`, 'data-direction': inbound ? 'from' : 'to' },
      h('td', { 'data-field': 'direction' }, inbound ? 'from' : 'to'),
      h('th', { scope: 'row' }, navLink(resourcePage(peer), `${peer.type}/${peer.name}`)),
      h('td', { 'data-field': 'clientId', 'data-value': edge.clientId }, edge.clientId || '-'),
      h('td', { 'data-field': 'serverId', 'data-value': edge.serverId }, edge.serverId || '-'),
      h('td', { 'data-field': 'secured', 'data-value': edge.serverId === '' ? 'false' : 'true' },
        edge.serverId === '' ? `no (${edge.noIdentityMsg || 'no identity'})` : 'yes (mTLS)'));
  });
  return table(query, 'Edges', ['Direction', 'Peer', 'Client identity', 'Server identity', 'Secured'], rows, 'no edges');
}

/** The routes of a routes answer: one table per resource. */
export function routeTables(query, response) {
  return response.tables.map((routes) => table(query, `Routes of ${routes.resource}`, ['Route', 'Target', ...statHeadings],
    routes.rows.map((row) => h('tr', { 'data-route': row.route },
      h('th', { scope: 'row' }, row.route), h('td', {}, row.target || '-'), statCells(row.stats))), 'no routes'));
}
