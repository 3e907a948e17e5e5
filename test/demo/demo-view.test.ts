/** The demo's live view (redrawn on a terminal, plain lines elsewhere) and the application processes' configuration. */
import assert from 'node:assert/strict';
import { appArgs, AppConfigError, parseAppConfig, parseLoadReport } from '../../src/demo/app-config.js';
import { type DemoView, renderFrame } from '../../src/demo/demo-frame.js';
import { Screen } from '../../src/demo/demo-screen.js';
import { formatSummary, summarize } from '../../src/demo/demo-summary.js';

function capture(tty: boolean, now: () => number = Date.now): { screen: Screen; text: () => string } {
  let text = '';
  return { screen: new Screen({ write: (chunk) => { text += chunk; }, tty, columns: () => 40, plainEveryMs: 10_000, now }), text: () => text };
}

const view: DemoView = {
  phase: 'running', elapsedMs: 34_000, durationMs: 90_000, tick: 3, dashboardUrl: 'http://127.0.0.1:50750/', proxies: { ready: 11, total: 11 },
  statTable: 'NAME   MESHED\nweb       2/2\n', statWindow: '20s',
  identities: [{ src: 'web', dst: 'api', clientId: 'web.demo.serviceaccount.identity.linkerd.cluster.local', serverId: 'api.demo.serviceaccount.identity.linkerd.cluster.local' }],
  load: { sent: 640, ok: 640, failed: 0 }, intruder: { sent: 30, refused: 30 }, denied: 30,
  news: [{ atS: 25, text: 'svc/api: + api-v2 (not ready)' }, { atS: 60, text: 'in the future' }], rollout: { startS: 25, endS: 51 },
};

describe('the demo view', () => {
  it('shows progress, the dashboard, the stat table, the identities, the denials, the load and the log so far', () => {
    const text = renderFrame(view).join('\n');
    assert.match(text, /0:34 \/ 1:30 \[█+░+\]\s+rollout of deploy\/api in progress/);
    assert.match(text, /Dashboard: http:\/\/127\.0\.0\.1:50750\//);
    assert.match(text, /sinew viz stat deploy -n demo -t 20s\nNAME {3}MESHED\nweb {7}2\/2/);
    assert.match(text, /web → api {3}client web\.demo {3}server api\.demo/);
    assert.match(text, /admits only api's identity\):\n {2}intruder → db: 30 of 30 calls refused with 403; db's proxies counted 30 denials/);
    assert.match(text, /640 sent, 640 succeeded, 0 failed/);
    assert.match(text, /0:25 {2}svc\/api: \+ api-v2 \(not ready\)/);
    assert.doesNotMatch(text, /in the future/, 'log entries not yet replayed are not shown');
  });

  it('redraws in place on a terminal, cutting lines to its width and hiding the cursor until it finishes', () => {
    const { screen, text } = capture(true);
    screen.frame(['first frame', 'x'.repeat(80)]);
    screen.frame(['second frame']);
    screen.finish();
    assert.ok(text().startsWith('\x1b[?25l'));
    assert.ok(text().includes('\x1b[2F\x1b[J'), 'the second frame moves up over the two lines of the first');
    assert.ok(text().includes(`${'x'.repeat(38)}…\n`), 'a long line is cut to the width');
    assert.ok(text().endsWith('\x1b[?25h'));
  });

  it('prints plain frames without escape codes, no more often than its interval, and notes at once', () => {
    let now = 0;
    const { screen, text } = capture(false, () => now);
    screen.frame(['frame 1']);
    now = 5_000;
    screen.frame(['frame 2']);
    screen.note('a note');
    now = 10_000;
    screen.frame(['frame 3']);
    screen.frame(['frame 4'], true);
    screen.finish();
    assert.equal(text(), 'frame 1\n\na note\nframe 3\n\nframe 4\n\n');
  });
});

describe('the demo summary', () => {
  const proxies = { trafficRequests: 10, trafficSuccess: 10, trafficFailure: 0, webSuccess: 8, webFailure: 0, denied: 2, problems: [] };
  const base = {
    runMs: 32_000, load: { sent: 10, ok: 10, failed: 0, byService: { web: { sent: 8, ok: 8, failed: 0, statuses: { 200: 8 } }, nginx: { sent: 2, ok: 2, failed: 0, statuses: { 200: 2 } } } },
    intruder: { sent: 2, refused: 2 }, proxies,
  };

  it('agrees only when every count matches the proxies\'', () => {
    assert.equal(summarize({ ...base, rollout: undefined }).agree, true);
    const off = summarize({ ...base, proxies: { ...proxies, trafficSuccess: 9, denied: 1 }, rollout: undefined });
    assert.equal(off.agree, false);
    assert.match(formatSummary(off), /DO NOT agree:\n {4}successes: the load generator counted 10, the proxies 9\n {4}denials: the intruder got 2 403s, db's proxies counted 1/);
  });

  it('says whether the rollout finished, was cut short or was never reached', () => {
    const done = { startMs: 25_000, endMs: 51_000, reached: true, finished: true, sent: 500, failed: 0 };
    assert.match(formatSummary(summarize({ ...base, rollout: done })), /rollout of deploy\/api \(0:25–0:51\): 500 requests sent meanwhile, 0 failed/);
    assert.match(formatSummary(summarize({ ...base, rollout: { ...done, endMs: 32_000, finished: false } })), /rollout of deploy\/api \(0:25–, stopped at 0:32 before it finished\)/);
    assert.match(formatSummary(summarize({ ...base, rollout: { ...done, reached: false, finished: false, sent: 0 } })), /rollout of deploy\/api: not reached \(the run stopped before 0:25\)/);
  });
});

describe('the demo applications\' configuration', () => {
  it('reads back what it writes', () => {
    const config = { role: 'load' as const, name: 'traffic-1', reportMs: 1000, targets: [{ host: '127.0.75.1', port: 9001, service: 'web', authority: 'web.demo.svc.cluster.local', path: '/', rps: 20 }] };
    assert.deepEqual(parseAppConfig(appArgs(config)[0]), config);
  });

  it('names the field that is wrong', () => {
    assert.throws(() => parseAppConfig('{"role":"serve","name":"db","listen":{"host":"127.0.0.1","port":0}}'), (error: Error) => error instanceof AppConfigError && /listen must be/.test(error.message));
    assert.throws(() => parseAppConfig('{"role":"relay","name":"web","listen":{"host":"127.0.0.1","port":8080},"downstream":[{"host":"h","port":1,"service":"api","authority":"","path":"/"}]}'), /downstream\[0\]\.authority/);
    assert.throws(() => parseAppConfig('{"role":"load","name":"t","reportMs":1000,"targets":[{"host":"h","port":1,"service":"s","authority":"a","path":"/","rps":0}]}'), /targets\[0\]\.rps/);
    assert.throws(() => parseAppConfig('{"role":"dance","name":"x"}'), /role must be serve, relay or load/);
    assert.throws(() => parseAppConfig('not json'), /JSON configuration/);
  });

  it('tells load reports from other output', () => {
    assert.equal(parseLoadReport('hello'), undefined);
    assert.equal(parseLoadReport('{"elapsedMs":1}'), undefined);
    assert.equal(parseLoadReport('{"elapsedMs":1000,"targets":{},"final":true}')?.final, true);
  });
});
