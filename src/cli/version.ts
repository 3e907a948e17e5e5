/** `sinew version`: the client's version (the server's arrives with the control-plane install). */
import fs from 'node:fs';
import { parse } from './args.js';

export const versionHelp = `Usage: sinew version [--short]

Prints the version of this sinew binary.

Flags:
      --short   print the version number only
  -h, --help    show this help
`;

export function sinewVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function versionCommand(argv: readonly string[], out: (text: string) => void): number {
  const { values } = parse(argv, { short: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help === true) {
    out(versionHelp);
    return 0;
  }
  out(values.short === true ? `v${sinewVersion()}\n` : `Client version: v${sinewVersion()}\n`);
  return 0;
}
