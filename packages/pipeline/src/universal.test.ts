// The universal entry (the docs demo bundles it) must not reach a Node built-in, however
// indirectly: its relative imports are followed; packages are checked by their own such test.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function imports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)].map(
    (match) => match[1]!,
  );
}

describe('@gsa/pipeline (universal entry)', () => {
  it('imports nothing from node:, directly or through its modules, and only universal entries', () => {
    const seen = new Set<string>();
    const outside = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const specifier of imports(file)) {
        if (specifier.startsWith('.'))
          visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
        else outside.add(specifier);
      }
    };
    visit(join(here, 'index.ts'));
    expect(seen.size).toBeGreaterThan(5);
    const packages = [...outside].sort();
    expect(packages.filter((name) => name.startsWith('node:') || name.endsWith('/node'))).toEqual(
      [],
    );
    expect(packages).toEqual(expect.arrayContaining(['@gsa/data', '@gsa/trainer', 'zod']));
  });
});
