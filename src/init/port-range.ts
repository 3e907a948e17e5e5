/**
 * Ports and inclusive port ranges as proxy-init's flags take them (`4190`, `4567-4568`), and as
 * iptables' multiport match writes them (`4567:4568`). Pure.
 */

export interface PortRange {
  readonly low: number;
  readonly high: number;
}

/** Thrown for text that is not a port or a range; the message says what is wrong with it. */
export class PortRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PortRangeError';
  }
}

function portNumber(text: string, whole: string): number {
  const port = Number(text);
  if (port < 1 || port > 65535) throw new PortRangeError(`"${whole}" has ${text}, which is not a port from 1 to 65535`);
  return port;
}

/** `8080` or `4567-4568` (a range with equal ends is one port). */
export function parsePortRange(text: string): PortRange {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text.trim());
  if (match === null) throw new PortRangeError(`"${text}" is not a port or a range such as 4567-4568`);
  const low = portNumber(match[1] as string, text);
  const high = match[2] === undefined ? low : portNumber(match[2], text);
  if (high < low) throw new PortRangeError(`"${text}" is a range that ends before it starts`);
  return { low, high };
}

/** The iptables spelling: `8080`, or `4567:4568` for a range. */
export function iptablesPortSpec(range: PortRange): string {
  return range.low === range.high ? String(range.low) : `${range.low}:${range.high}`;
}

/** How many of the multiport match's 15 slots a range takes: one for a port, two for a range. */
export function multiportSlots(range: PortRange): number {
  return range.low === range.high ? 1 : 2;
}
