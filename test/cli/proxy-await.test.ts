import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { proxyAwaitCommand } from '../../src/cli/proxy-await.js';

/** An admin server whose /ready answers 503 `notReadyFor` times, then 200; it records every request. */
async function adminServer(notReadyFor: number): Promise<{ port: number; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  let readyCalls = 0;
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.url === '/ready') {
      readyCalls += 1;
      res.statusCode = readyCalls > notReadyFor ? 200 : 503;
    } else if (req.url === '/shutdown' && req.method === 'POST') res.statusCode = 202;
    else res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function io(): { out: (t: string) => void; err: (t: string) => void; text: () => string } {
  let text = '';
  return { out: (t) => { text += t; }, err: (t) => { text += t; }, text: () => text };
}

describe('sinew proxy-await', () => {
  it('returns 0 once /ready answers 200, after polling through 503s', async () => {
    const admin = await adminServer(3);
    try {
      assert.equal(await proxyAwaitCommand([`--port=${admin.port}`, '--timeout=10s'], io()), 0);
      assert.equal(admin.seen.filter((line) => line === 'GET /ready').length, 4);
    } finally {
      await admin.close();
    }
  });

  it('returns 1 naming the proxy and what it saw when it is not ready in time', async () => {
    const admin = await adminServer(Number.MAX_SAFE_INTEGER);
    const capture = io();
    try {
      assert.equal(await proxyAwaitCommand(['--port', String(admin.port), '--timeout', '300ms'], capture), 1);
      assert.match(capture.text(), new RegExp(`the proxy at 127\\.0\\.0\\.1:${admin.port} was not ready within 300 ms \\(/ready answered 503\\)`));
    } finally {
      await admin.close();
    }
  });

  it('runs the command after --, returns its status, and asks the proxy to shut down with --shutdown', async () => {
    const admin = await adminServer(0);
    try {
      const status = await proxyAwaitCommand([`--port=${admin.port}`, '--shutdown', '--', process.execPath, '-e', 'process.exit(3)'], io());
      assert.equal(status, 3);
      assert.deepEqual(admin.seen, ['GET /ready', 'POST /shutdown']);
    } finally {
      await admin.close();
    }
  });

  it('rejects a port or timeout that cannot be used', async () => {
    await assert.rejects(proxyAwaitCommand(['--port=99999'], io()), /--port must be a port from 1 to 65535; got "99999"/);
    await assert.rejects(proxyAwaitCommand(['--timeout=soon'], io()), /--timeout must be a duration/);
  });
});
