/*
 * The dashboard's entry point: reads the address, draws the matching view (views.js), and
 * follows in-page links and the back button without reloading. The window (`?window=1m`) is kept
 * across pages.
 */
/* global document, window, location, history */
import { h, replaceChildren } from './dom.js';
import { namespacesView, namespaceView, workloadView } from './views.js';

const singular = {
  deployments: 'deployment', statefulsets: 'statefulset', daemonsets: 'daemonset', jobs: 'job', cronjobs: 'cronjob',
  replicasets: 'replicaset', replicationcontrollers: 'replicationcontroller', pods: 'pod',
};
const windows = ['10s', '1m', '10m', '1h'];

const view = document.getElementById('view');
const crumbs = document.getElementById('crumbs');
const windowSelect = document.getElementById('window');
let leave = () => undefined;

function currentWindow() {
  const asked = new URLSearchParams(location.search).get('window');
  return windows.includes(asked) ? asked : '1m';
}

function crumb(href, text) {
  return h('a', { href, 'data-nav': true }, text);
}

function route() {
  leave();
  const timeWindow = currentWindow();
  windowSelect.value = timeWindow;
  const parts = location.pathname.split('/').filter((part) => part !== '');
  const [, namespace, plural, name] = parts;
  if (parts.length <= 1) {
    replaceChildren(crumbs, crumb('/', 'Namespaces'));
    leave = namespacesView(view, { timeWindow });
  } else if (parts.length === 2) {
    replaceChildren(crumbs, crumb('/', 'Namespaces'), ' › ', crumb(`/namespaces/${namespace}`, namespace));
    leave = namespaceView(view, { namespace, timeWindow });
  } else if (singular[plural] !== undefined) {
    const type = singular[plural];
    replaceChildren(crumbs, crumb('/', 'Namespaces'), ' › ', crumb(`/namespaces/${namespace}`, namespace), ' › ', `${type}/${name}`);
    leave = workloadView(view, { namespace, type, name, timeWindow });
  } else {
    replaceChildren(view, h('p', { class: 'error' }, `No page ${location.pathname}.`));
    leave = () => undefined;
  }
}

document.addEventListener('click', (event) => {
  const link = event.target.closest?.('a[data-nav]');
  if (link === null || link === undefined || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  const target = new URL(link.href);
  if (target.origin !== location.origin) return;
  event.preventDefault();
  history.pushState(null, '', `${target.pathname}${location.search}`);
  route();
});

windowSelect.addEventListener('change', () => {
  const params = new URLSearchParams(location.search);
  params.set('window', windowSelect.value);
  history.replaceState(null, '', `${location.pathname}?${params}`);
  route();
});

window.addEventListener('popstate', route);
route();
