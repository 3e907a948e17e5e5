/**
 * `sinew viz dashboard` as a user runs it: the address it prints, the flags it refuses, and a
 * process that serves until SIGTERM. Its metrics API and tap server are given as URLs where
 * nothing listens, so the page is served and its API answers say which upstream failed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { main } from '../../src/cli/main.js';
import { sinewBin } from '../support/control-plane-process.js';
import { rawRequest } from '../support/dashboard-fixtures.js';

const nowhere = 'http://127.0.0.1:9';

async function run(argv: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (text) => { out += text; }, err: (text) => { err += text; } });
  return { code, out, err };
}

interface Running {
  readonly child: ChildProcess;
  readonly stdout: Promise<string>;
  exit(): Promise<number | null>;
}

/** Spawns the dashboard and resolves once it printed `lines` lines. */
function spawnDashboard(args: readonly string[], lines: number): Running {
  const child = spawn(process.execPath, [sinewBin, 'viz', 'dashboard', '--port', '0', '--metrics-api-url', nowhere, '--tap-url', nowhere, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const stdout = new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`the dashboard printed ${JSON.stringify(text)}; stderr ${stderr}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.split('\n').length > lines) {
        clearTimeout(timer);
        resolve(text);
      }
    });
    void exited.then(() => reject(new Error(`the dashboard exited: ${stderr}`)));
  });
  return { child, stdout, exit: () => exited };
}

describe('sinew viz dashboard (command)', () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('with --show url prints only its URL, serves the page there, and stops with exit code 0 on SIGTERM', async () => {
    const running = spawnDashboard(['--show', 'url'], 1);
    children.push(running.child);
    const out = await running.stdout;
    const match = /^http:\/\/127\.0\.0\.1:(\d+)\/\n$/.exec(out);
    assert.ok(match, `printed ${JSON.stringify(out)}`);
    const port = Number(match[1]);
    const page = await rawRequest(port, '/namespaces/shop', { host: `localhost:${port}` });
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>Sinew dashboard<\/title>/);
    const api = await rawRequest(port, '/api/v1/namespaces', { host: `localhost:${port}` });
    assert.equal(api.status, 502);
    assert.match((JSON.parse(api.body) as { error: string }).error, /^metrics API: .*127\.0\.0\.1:9/);
    running.child.kill('SIGTERM');
    assert.equal(await running.exit(), 0);
  });

  it('by default says where the dashboard is and that it opens no browser', async () => {
    const running = spawnDashboard(['--address', '127.0.0.1'], 3);
    children.push(running.child);
    const out = await running.stdout;
    assert.match(out, /^Sinew dashboard available at:\nhttp:\/\/127\.0\.0\.1:\d+\/\n\(open it in a browser; this command opens none\)\n$/);
    running.child.kill('SIGTERM');
    assert.equal(await running.exit(), 0);
  });

  it('refuses bad flags with exit code 2 and a message naming the flag', async () => {
    const urls = ['--metrics-api-url', nowhere, '--tap-url', nowhere];
    const cases: [string[], RegExp][] = [
      [['--port', '70000', ...urls], /--port must be a port number from 0 to 65535; got "70000"/],
      [['--port', 'http', ...urls], /--port must be a port number/],
      [['--show', 'browser', ...urls], /--show must be one of linkerd, url; got "browser"/],
      [['--metrics-api-url', 'ftp://x', '--tap-url', nowhere], /--metrics-api-url must be an http or https URL/],
      [['--tap-url', 'not a url', '--metrics-api-url', nowhere], /--tap-url must be a URL/],
      [['--enforced-host', '(web', ...urls], /--enforced-host "\(web" is not a regular expression/],
      [['--log-level', 'loud', ...urls], /--log-level must be one of debug, info, warn, error/],
      [['extra', ...urls], /takes no arguments, got "extra"/],
      [['--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const result = await run(['viz', 'dashboard', ...args]);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.err, message, args.join(' '));
    }
  });

  it('is listed by sinew viz --help and explains its flags', async () => {
    assert.match((await run(['viz', '--help'])).out, /dashboard +serve the web dashboard/);
    const help = await run(['viz', 'dashboard', '--help']);
    assert.equal(help.code, 0);
    for (const flag of ['--address', '--port', '--metrics-api-url', '--tap-url', '--enforced-host', '--show']) assert.ok(help.out.includes(flag), flag);
  });
});
