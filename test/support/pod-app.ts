/**
 * A pod's application for the network-namespace tests. It knows nothing of the mesh: it serves and
 * calls plain HTTP/1 on the addresses it is given, as an application in a pod would.
 *
 *   node pod-app.js serve NAME PORT...   answers every request with JSON {pod, port, clientId, remote}
 *   node pod-app.js get URL              one GET; prints JSON {status, body} (or {error}) and exits 0
 */
import http from 'node:http';

function serve(name: string, ports: readonly number[]): void {
  for (const port of ports) {
    http.createServer((req, res) => {
      req.resume();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ pod: name, port, clientId: req.headers['l5d-client-id'] ?? null, remote: req.socket.remoteAddress ?? null }));
    }).listen(port, '0.0.0.0', () => process.stdout.write(`listening ${port}\n`));
  }
}

function get(url: string): void {
  const request = http.get(url, { timeout: 15_000, agent: false }, (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => process.stdout.write(JSON.stringify({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') })));
  });
  request.on('timeout', () => request.destroy(new Error('timed out after 15 s')));
  request.on('error', (error) => process.stdout.write(JSON.stringify({ error: error.message })));
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'serve' && args.length >= 2) serve(args[0] as string, args.slice(1).map(Number));
else if (mode === 'get' && args.length === 1) get(args[0] as string);
else {
  process.stderr.write('usage: pod-app.js serve NAME PORT... | get URL\n');
  process.exitCode = 2;
}
