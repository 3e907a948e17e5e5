/**
 * The static import graph of compiled modules (dist/): every relative module a file reaches through
 * `import … from` and `export … from`, and the packages each one names. Dynamic `import()` is not
 * followed: what it loads is loaded later, on demand, which is the point of writing it that way.
 */
import fs from 'node:fs';
import path from 'node:path';

const staticImport = /^\s*(?:import|export)\s[^'"]*?\sfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm;

export interface ModuleGraph {
  /** Every compiled module reached, by absolute path. */
  readonly modules: ReadonlySet<string>;
  /** Each package named (its import specifier, `node:` built-ins left out), with the modules that import it. */
  readonly packages: ReadonlyMap<string, readonly string[]>;
}

export function staticModuleGraph(entry: string): ModuleGraph {
  const modules = new Set([path.resolve(entry)]);
  const packages = new Map<string, string[]>();
  const queue = [...modules];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const source = fs.readFileSync(file, 'utf8');
    for (const match of source.matchAll(staticImport)) {
      const specifier = match[1] ?? match[2] ?? '';
      if (specifier.startsWith('.')) {
        const target = path.resolve(path.dirname(file), specifier);
        if (!modules.has(target)) {
          modules.add(target);
          queue.push(target);
        }
      } else if (!specifier.startsWith('node:')) {
        packages.set(specifier, [...(packages.get(specifier) ?? []), file]);
      }
    }
  }
  return { modules, packages };
}
