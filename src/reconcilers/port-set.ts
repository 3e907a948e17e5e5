/**
 * Port lists as Linkerd's annotations write them: `25,587,8000-8080`, and container port names
 * (`http`) that a pod resolves to numbers. An entry that is neither is ignored, as Linkerd does.
 */
export interface PortSet {
  has(port: number, portName?: string): boolean;
}

/** Parsed sets by their text: the same few annotation values are read for every endpoint. */
const parsed = new Map<string, PortSet>();

export function parsePortSet(text: string): PortSet {
  let set = parsed.get(text);
  if (set === undefined) {
    if (parsed.size > 1000) parsed.clear();
    parsed.set(text, set = parseUncached(text));
  }
  return set;
}

function parseUncached(text: string): PortSet {
  const ranges: (readonly [number, number])[] = [];
  const names = new Set<string>();
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    const range = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(entry);
    if (range !== null) {
      const low = Number(range[1]);
      const high = range[2] === undefined ? low : Number(range[2]);
      if (low >= 1 && high <= 65535 && low <= high) ranges.push([low, high]);
    } else if (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(entry)) names.add(entry);
  }
  return {
    has: (port, portName) => ranges.some(([low, high]) => port >= low && port <= high) || (portName !== undefined && names.has(portName)),
  };
}
