/*
 * The three views: every namespace, the workloads of one namespace, and one workload (its
 * numbers, edges, routes and live tap). Each view redraws its tables from the API every few
 * seconds until it is left; a failed read shows the server's message in place of that table.
 */
/* global document */
import { getJson } from './api.js';
import { h, replaceChildren } from './dom.js';
import { edgeTable, namespaceTable, routeTables, statTable } from './tables.js';
import { tapPanel } from './tap.js';

export const refreshMs = 5000;

const workloadTypes = [
  ['deployment', 'Deployments'], ['statefulset', 'StatefulSets'], ['daemonset', 'DaemonSets'], ['job', 'Jobs'], ['pod', 'Pods'],
];
const alwaysShown = new Set(['deployment', 'pod']);

/** A panel whose content `load` draws; while loading it keeps the last content. */
function panel(id, title) {
  const body = h('div', { class: 'panel-body' }, h('p', { class: 'note' }, 'Loading…'));
  const element = h('section', { class: 'panel', id, 'data-state': 'loading' }, title === undefined ? null : h('h2', {}, title), body);
  const fill = async (load) => {
    try {
      const content = await load();
      replaceChildren(body, content);
      element.dataset.state = 'ready';
      element.hidden = content === null;
    } catch (error) {
      replaceChildren(body, h('p', { class: 'error', role: 'alert' }, error.message));
      element.dataset.state = 'error';
      element.hidden = false;
    }
  };
  return { element, fill };
}

/** Calls `refresh` now and every refreshMs until the returned function is called. */
function polling(refresh) {
  let stopped = false;
  let timer;
  const tick = async () => {
    await refresh();
    document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed ?? '0') + 1);
    if (!stopped) timer = setTimeout(tick, refreshMs);
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

export function namespacesView(container, { timeWindow }) {
  const list = panel('namespaces');
  replaceChildren(container, h('h1', {}, 'Namespaces'), list.element);
  return polling(() => list.fill(async () => {
    const [namespaces, stat] = await Promise.all([
      getJson('namespaces'), getJson('stat', { resource_type: 'namespace', all_namespaces: 'true', window: timeWindow }),
    ]);
    return namespaceTable(stat.address, namespaces.body, stat.body);
  }));
}

export function namespaceView(container, { namespace, timeWindow }) {
  const panels = workloadTypes.map(([type, title]) => ({ type, title, ...panel(`${type}s`) }));
  replaceChildren(container, h('h1', {}, `Namespace ${namespace}`), panels.map((p) => p.element));
  return polling(() => Promise.all(panels.map((p) => p.fill(async () => {
    const stat = await getJson('stat', { resource_type: p.type, namespace, window: timeWindow, tcp_stats: 'true' });
    if (stat.body.rows.length === 0 && !alwaysShown.has(p.type)) return null;
    return statTable(stat.address, p.title, stat.body);
  }))));
}

export function workloadView(container, { namespace, type, name, timeWindow }) {
  const self = { type, namespace, name };
  const summary = panel('summary');
  const edges = panel('edges');
  const routes = panel('routes');
  const tap = tapPanel(self);
  replaceChildren(container, h('h1', {}, `${type}/${name}`), summary.element, edges.element, routes.element, tap.element);
  const stopPolling = polling(() => Promise.all([
    summary.fill(async () => {
      const stat = await getJson('stat', { resource_type: type, resource_name: name, namespace, window: timeWindow, tcp_stats: 'true' });
      return statTable(stat.address, `${type}/${name}`, stat.body);
    }),
    edges.fill(async () => {
      const answer = await getJson('edges', { resource_type: type, namespace });
      return edgeTable(answer.address, answer.body, self);
    }),
    routes.fill(async () => {
      const answer = await getJson('routes', { resource_type: type, resource_name: name, namespace, window: timeWindow });
      const tables = routeTables(answer.address, answer.body);
      return tables.length > 0 ? tables : h('p', { class: 'note' }, 'No routes.');
    }),
  ]));
  return () => {
    stopPolling();
    tap.dispose();
  };
}
