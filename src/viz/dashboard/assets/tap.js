/*
 * The live tap panel: a path prefix, Start/Stop, and the tap lines as `sinew viz tap` prints
 * them, newest last, at most maxLines kept. The socket is the dashboard's own /api/tap.
 */
/* global location */
import { h } from './dom.js';

export const maxLines = 500;

export function tapPanel(target) {
  const path = h('input', { type: 'text', name: 'path', placeholder: '/', autocomplete: 'off', spellcheck: 'false' });
  const button = h('button', { type: 'submit', id: 'tap-toggle' }, 'Start');
  const status = h('span', { class: 'tap-status', id: 'tap-status', 'data-state': 'idle' }, 'Not tapping.');
  const lines = h('ol', { class: 'tap-lines', id: 'tap-lines' });
  let socket;

  const setStatus = (state, text) => {
    status.dataset.state = state;
    status.textContent = text;
  };
  const add = (kind, text, failed = false) => {
    lines.append(h('li', { class: `tap-${kind}${failed ? ' failed' : ''}`, 'data-kind': kind }, text));
    while (lines.childElementCount > maxLines) lines.firstElementChild.remove();
  };
  const onMessage = (message) => {
    let data;
    try {
      data = JSON.parse(message.data);
    } catch {
      return;
    }
    if (data.type === 'event') {
      const kind = data.line.slice(0, 3);
      const status = data.event.responseInitEvent?.httpStatus ?? 0;
      add(kind, data.line, status >= 500);
    } else if (data.type === 'dropped') add('dropped', `… ${data.count} events skipped (the page read too slowly)`);
    else if (data.type === 'end') setStatus('ended', `Tap ended: ${data.reason}.`);
    else if (data.type === 'error') setStatus('error', `Tap failed: ${data.error}`);
  };
  const start = () => {
    const params = new URLSearchParams({ namespace: target.namespace, resource_type: target.type, resource_name: target.name });
    if (path.value.trim() !== '') params.set('path', path.value.trim());
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/tap?${params}`);
    socket = ws;
    button.textContent = 'Stop';
    path.disabled = true;
    setStatus('connecting', 'Connecting…');
    ws.addEventListener('open', () => setStatus('tapping', `Tapping ${target.type}/${target.name}${params.has('path') ? ` on paths under ${params.get('path')}` : ''}.`));
    ws.addEventListener('message', onMessage);
    ws.addEventListener('close', () => {
      if (socket === ws) socket = undefined;
      button.textContent = 'Start';
      path.disabled = false;
      if (status.dataset.state === 'connecting') setStatus('error', 'The dashboard refused the tap.');
      else if (status.dataset.state === 'tapping') setStatus('stopped', 'Stopped.');
    });
  };
  const stop = () => {
    socket?.close();
    socket = undefined;
  };
  const form = h('form', { class: 'tap-form', id: 'tap-form', onsubmit: (event) => {
    event.preventDefault();
    if (socket === undefined) start();
    else stop();
  } }, h('label', {}, 'Path prefix ', path), button, status);
  const element = h('section', { class: 'panel', id: 'tap' }, h('h2', {}, 'Live tap'), form, lines);
  return { element, dispose: stop };
}
