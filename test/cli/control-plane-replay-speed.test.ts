/** `sinew control-plane --replay-speed`: accepted only as a positive number with a replay source. */
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main.js';

async function run(argv: readonly string[]): Promise<{ status: number; err: string }> {
  let err = '';
  const status = await main(argv, { out: () => undefined, err: (text) => { err += text; } });
  return { status, err };
}

describe('sinew control-plane --replay-speed', () => {
  for (const value of ['0', '-1', 'fast', '']) {
    it(`refuses ${JSON.stringify(value)} with a usage error naming the flag`, async () => {
      const { status, err } = await run(['control-plane', '--source', 'replay:/nonexistent.jsonl', `--replay-speed=${value}`]);
      assert.equal(status, 2);
      assert.match(err, /--replay-speed must be a positive number/);
    });
  }

  it('refuses a speed without a replay source', async () => {
    const { status, err } = await run(['control-plane', '--replay-speed', '1']);
    assert.equal(status, 2);
    assert.match(err, /--replay-speed needs --source replay:FILE/);
  });
});
