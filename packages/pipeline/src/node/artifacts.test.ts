import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportModel } from './artifacts.js';

describe('exportModel', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'gsa-export-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  function run(name: string, weights: string): string {
    const path = join(directory, name);
    mkdirSync(join(path, 'model'), { recursive: true });
    writeFileSync(join(path, 'model', 'model.json'), '{}');
    writeFileSync(join(path, 'model', 'weights.bin'), weights);
    return path;
  }

  it('copies the model into place whole, replaces it only with --force, and leaves no temp folder', async () => {
    const out = join(directory, 'exported');
    await exportModel(run('first', 'one'), out);
    await expect(exportModel(run('second', 'two'), out)).rejects.toThrow(`${out} already exists.`);
    expect(readFileSync(join(out, 'weights.bin'), 'utf8')).toBe('one');
    await exportModel(join(directory, 'second'), out, { force: true });
    expect(readFileSync(join(out, 'weights.bin'), 'utf8')).toBe('two');
    expect(readdirSync(out).sort()).toEqual(['model.json', 'weights.bin']);
    expect(readdirSync(directory).sort()).toEqual(['exported', 'first', 'second']);
  });
});
