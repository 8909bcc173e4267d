// The universal entry must not reach node: built-ins, however indirectly (type-only
// imports are erased; checkpoints are written by an injected store).
import { fileURLToPath } from 'node:url';
import { runtimeImportGraph } from '@gsa/tooling/import-graph';

describe('@gsa/trainer (universal entry)', () => {
  it('imports nothing from node:, directly or through its modules', () => {
    const graph = runtimeImportGraph(fileURLToPath(new URL('./index.ts', import.meta.url)));
    expect(graph.files.length).toBeGreaterThanOrEqual(7);
    expect(graph.packages).toEqual([
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
