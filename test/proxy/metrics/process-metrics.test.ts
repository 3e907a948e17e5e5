import assert from 'node:assert/strict';
import { parseMaxOpenFiles, parseProcStat } from '../../../src/proxy/metrics/process-metrics.js';

describe('proxy metrics: reading /proc', () => {
  it('counts /proc/<pid>/stat fields from the last parenthesis, so a command name with spaces and parentheses is harmless', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    const stat = `4242 (evil) name (x) ${fields.join(' ')}\n`;
    assert.deepEqual(parseProcStat(stat), { threads: 20, virtualMemoryBytes: 23 });
  });

  it('gives nothing for a stat it cannot read', () => {
    assert.equal(parseProcStat('garbage'), undefined);
    assert.equal(parseProcStat('1 (x) S 1 2'), undefined);
  });

  it('reads the soft limit of open files, unlimited as +Inf', () => {
    const limits = [
      'Limit                     Soft Limit           Hard Limit           Units',
      'Max cpu time              unlimited            unlimited            seconds',
      'Max open files            1048576              1048576              files',
    ].join('\n');
    assert.equal(parseMaxOpenFiles(limits), 1048576);
    assert.equal(parseMaxOpenFiles('Max open files            unlimited            unlimited            files'), Infinity);
    assert.equal(parseMaxOpenFiles('nothing here'), undefined);
  });
});
