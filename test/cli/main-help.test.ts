import assert from 'node:assert/strict';
import { main, mainHelp } from '../../src/cli/main.js';

describe('sinew --help', () => {
  const names = [...mainHelp.matchAll(/^ {2}([a-z][a-z-]*) {2,}/gm)].map((match) => match[1] as string);

  it('lists every command', () => {
    assert.ok(names.length >= 15, names.join(' '));
    for (const name of ['proxy', 'proxy-init', 'proxy-await', 'install', 'inject', 'check', 'viz', 'version']) assert.ok(names.includes(name), name);
  });

  it('prints each command\'s usage for COMMAND --help and help COMMAND, with exit status 0', async () => {
    for (const name of names) {
      for (const argv of [[name, '--help'], ['help', name]]) {
        let out = '';
        let err = '';
        const status = await main(argv, { out: (text) => { out += text; }, err: (text) => { err += text; } });
        assert.equal(status, 0, `sinew ${argv.join(' ')} exited ${status}: ${err}`);
        assert.match(out, /Usage: sinew /, `sinew ${argv.join(' ')}`);
      }
    }
  });
});
