// The universal entry must not reach Node built-ins or sharp, however indirectly.
import { fileURLToPath } from 'node:url';
import { runtimeImportGraph } from '@gsa/tooling/import-graph';

describe('@gsa/data (universal entry)', () => {
  it('imports nothing from node: or sharp, directly or through its modules', () => {
    const graph = runtimeImportGraph(fileURLToPath(new URL('./index.ts', import.meta.url)));
    expect(graph.files.length).toBeGreaterThan(10);
    expect(graph.packages).toEqual(['@tensorflow/tfjs-core', 'fflate']);
  });
});
