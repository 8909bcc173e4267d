// The universal entry must not reach Node built-ins or sharp, however indirectly.
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

describe('@gsa/data (universal entry)', () => {
  it('imports nothing from node: or sharp, directly or through its modules', () => {
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
    expect(seen.size).toBeGreaterThan(10);
    expect([...outside].sort()).toEqual(['@tensorflow/tfjs-core', 'fflate']);
  });
});
