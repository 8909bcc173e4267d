// For the tests that keep an entry point universal: every module an entry
// reaches through its runtime imports (type-only imports are erased), and the
// packages those modules import.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface ImportGraph {
  /** The entry and every module of its package it reaches. */
  readonly files: readonly string[];
  /** Everything else it imports (packages, node: built-ins), sorted. */
  readonly packages: readonly string[];
}

function runtimeImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/^\s*(?:import|export)\s+(?!type\s)[^'"]*?from\s+'([^']+)'/gm)]
    .concat([...source.matchAll(/^\s*import\s+'([^']+)'/gm)])
    .map((match) => match[1]!);
}

/** The runtime import graph of `entry` (a .ts file), following relative imports. */
export function runtimeImportGraph(entry: string): ImportGraph {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of runtimeImports(file)) {
      if (specifier.startsWith('.'))
        visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier);
    }
  };
  visit(entry);
  return { files: [...seen], packages: [...packages].sort() };
}
