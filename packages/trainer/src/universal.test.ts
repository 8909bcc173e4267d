// The universal entry must not reach node: built-ins, however indirectly (type-only
// imports are erased; checkpoints are written by an injected store).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function runtimeImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/^\s*(import|export)\s+(?!type\s)[^'"]*?from\s+'([^']+)'/gm)].map(
    (match) => match[2]!,
  );
}

describe('@gsa/trainer (universal entry)', () => {
  it('imports nothing from node:, directly or through its modules', () => {
    const seen = new Set<string>();
    const outside = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const specifier of runtimeImports(file)) {
        if (specifier.startsWith('.'))
          visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
        else outside.add(specifier);
      }
    };
    visit(join(here, 'index.ts'));
    expect(seen.size).toBeGreaterThanOrEqual(7);
    expect([...outside].sort()).toEqual([
      '@gsa/attention',
      '@gsa/data',
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-layers',
    ]);
  });

  it('exports training without the file-writing parts', async () => {
    const browser = await import('./index.js');
    expect(typeof browser.trainTwoPhase).toBe('function');
    expect(typeof browser.earlyStopping).toBe('function');
    expect(Object.keys(browser)).not.toContain('writeCheckpoint');
    expect(Object.keys(browser)).not.toContain('metricsJsonlWriter');
  });
});
