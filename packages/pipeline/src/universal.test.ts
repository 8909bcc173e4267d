// The universal entry (the docs demo bundles it) must not reach a Node built-in, however
// indirectly: its relative imports are followed; packages are checked by their own such test.
import { fileURLToPath } from 'node:url';
import { runtimeImportGraph } from '@gsa/tooling/import-graph';

describe('@gsa/pipeline (universal entry)', () => {
  it('imports nothing from node:, directly or through its modules, and only universal entries', () => {
    const graph = runtimeImportGraph(fileURLToPath(new URL('./index.ts', import.meta.url)));
    expect(graph.files.length).toBeGreaterThan(5);
    expect(
      graph.packages.filter((name) => name.startsWith('node:') || name.endsWith('/node')),
    ).toEqual([]);
    expect(graph.packages).toEqual(expect.arrayContaining(['@gsa/data', '@gsa/trainer', 'zod']));
  });
});
