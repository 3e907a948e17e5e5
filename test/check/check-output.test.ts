import assert from 'node:assert/strict';
import { jsonPrinter, tablePrinter } from '../../src/check/check-output.js';
import type { CheckResult } from '../../src/check/checker.js';
import { terminalSpinner } from '../../src/check/spinner.js';

const hint = (anchor: string) => `https://linkerd.io/2/checks/#${anchor}`;
const results: CheckResult[] = [
  { category: 'kubernetes-api', description: 'can initialize the client', hintUrl: hint('k8s-api'), warning: false, retry: false, error: undefined },
  { category: 'kubernetes-api', description: 'can query the Kubernetes API', hintUrl: hint('k8s-api'), warning: false, retry: false, error: undefined },
  { category: 'linkerd-identity', description: 'issuer cert is valid for at least 60 days', hintUrl: hint('l5d-identity-issuer-cert-not-expiring-soon'), warning: true, retry: false, error: 'issuer certificate will expire on 2030-01-01T00:00:00.000Z' },
  { category: 'linkerd-identity', description: 'issuer cert is issued by the trust anchor', hintUrl: hint('l5d-identity-issuer-cert-issued-by-trust-anchor'), warning: false, retry: false, error: 'issuer certificate CN=x is not signed by a trust anchor' },
];

function print(kind: 'table' | 'short', items: readonly CheckResult[], summary = { success: false, warning: true }): string {
  let out = '';
  const printer = tablePrinter((text) => { out += text; }, { short: kind === 'short', color: false, spinner: undefined });
  for (const result of items) printer.observe(result);
  printer.finish(summary);
  return out;
}

describe('check output', () => {
  it('prints the table: categories underlined, √ ‼ ×, errors and hints indented, the status line', () => {
    assert.equal(print('table', results), [
      'kubernetes-api',
      '--------------',
      '√ can initialize the client',
      '√ can query the Kubernetes API',
      '',
      'linkerd-identity',
      '----------------',
      '‼ issuer cert is valid for at least 60 days',
      '    issuer certificate will expire on 2030-01-01T00:00:00.000Z',
      '    see https://linkerd.io/2/checks/#l5d-identity-issuer-cert-not-expiring-soon for hints',
      '× issuer cert is issued by the trust anchor',
      '    issuer certificate CN=x is not signed by a trust anchor',
      '    see https://linkerd.io/2/checks/#l5d-identity-issuer-cert-issued-by-trust-anchor for hints',
      '',
      'Status check results are ×',
      '',
    ].join('\n'));
  });

  it('prints only warnings and failures in short output, and only the status line when all passed', () => {
    const short = print('short', results);
    assert.ok(!short.includes('kubernetes-api'));
    assert.ok(!short.includes('√ can'));
    assert.match(short, /^linkerd-identity\n-+\n‼ issuer cert is valid for at least 60 days\n/);
    assert.match(short, /\n\nStatus check results are ×\n$/);
    assert.equal(print('short', results.slice(0, 2), { success: true, warning: false }), 'Status check results are √\n');
  });

  it('shows nothing of a retry without a spinner, and the spinner with the reason on a terminal', () => {
    const retry: CheckResult = { ...results[0] as CheckResult, category: 'linkerd-existence', description: 'control plane pods are ready', retry: true, error: 'No running pods for "linkerd-identity"' };
    assert.equal(print('table', [retry, { ...retry, retry: false, error: undefined }], { success: true, warning: false }),
      'linkerd-existence\n-----------------\n√ control plane pods are ready\n\nStatus check results are √\n');
    let out = '';
    const write = (text: string) => { out += text; };
    const printer = tablePrinter(write, { short: false, color: true, spinner: terminalSpinner(write, 10_000) });
    printer.observe(retry);
    printer.observe({ ...retry, retry: false, error: undefined });
    printer.finish({ success: true, warning: false });
    assert.ok(out.includes('\r\x1b[K| No running pods for "linkerd-identity"'), JSON.stringify(out));
    assert.ok(out.includes('\r\x1b[K\x1b[1;32m√\x1b[0m control plane pods are ready\n'), JSON.stringify(out));
    assert.ok(out.endsWith('Status check results are \x1b[1;32m√\x1b[0m\n'));
  });

  it('prints Linkerd\'s JSON: success, then categories of checks with description, hint, error and result', () => {
    let out = '';
    const printer = jsonPrinter((text) => { out += text; });
    for (const result of [{ ...results[0] as CheckResult, retry: true, error: 'waiting for check to complete' }, ...results]) printer.observe(result);
    printer.finish({ success: false, warning: true });
    assert.deepEqual(JSON.parse(out), {
      success: false,
      categories: [
        { categoryName: 'kubernetes-api', checks: [
          { description: 'can initialize the client', result: 'success' },
          { description: 'can query the Kubernetes API', result: 'success' },
        ] },
        { categoryName: 'linkerd-identity', checks: [
          { description: 'issuer cert is valid for at least 60 days', hint: hint('l5d-identity-issuer-cert-not-expiring-soon'), error: 'issuer certificate will expire on 2030-01-01T00:00:00.000Z', result: 'warning' },
          { description: 'issuer cert is issued by the trust anchor', hint: hint('l5d-identity-issuer-cert-issued-by-trust-anchor'), error: 'issuer certificate CN=x is not signed by a trust anchor', result: 'error' },
        ] },
      ],
    });
    assert.ok(out.startsWith('{\n  "success": false,\n  "categories": [\n'));
  });
});
