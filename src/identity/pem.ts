/**
 * PEM: the text armour of certificates and keys in files (RFC 7468). Splits a bundle into its
 * blocks and armours DER.
 *
 * Contract: text outside blocks is ignored (bundles often carry comments); a block that begins
 * and never ends, or whose END label differs from its BEGIN label, or whose body is not base64,
 * is an error naming the block, never skipped.
 */
export interface PemBlock {
  readonly label: string;
  readonly der: Buffer;
}

export class PemError extends Error {
  override readonly name = 'PemError';
}

const beginLine = /^-----BEGIN ([A-Z0-9 ]+)-----$/;
const endLine = /^-----END ([A-Z0-9 ]+)-----$/;

export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  let open: { label: string; body: string[] } | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (open === undefined) {
      const begin = beginLine.exec(line);
      if (begin !== null) open = { label: begin[1] as string, body: [] };
      continue;
    }
    const end = endLine.exec(line);
    if (end === null) {
      if (line.startsWith('-----')) throw new PemError(`block ${blocks.length + 1} (${open.label}) has no END line`);
      open.body.push(line);
      continue;
    }
    if (end[1] !== open.label) throw new PemError(`block ${blocks.length + 1} begins ${open.label} but ends ${end[1] ?? ''}`);
    const body = open.body.join('');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) {
      throw new PemError(`block ${blocks.length + 1} (${open.label}) is not base64`);
    }
    blocks.push({ label: open.label, der: Buffer.from(body, 'base64') });
    open = undefined;
  }
  if (open !== undefined) throw new PemError(`block ${blocks.length + 1} (${open.label}) has no END line`);
  return blocks;
}

export function toPem(label: string, der: Uint8Array): string {
  const body = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}
