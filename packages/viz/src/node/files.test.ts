import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './files.js';

describe('writeFileAtomic', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'gsa-viz-files-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('lets two concurrent writes to one path both succeed, leaving one of them whole', async () => {
    const path = join(directory, 'maps', 'attention-map.svg');
    // Large enough that two writers sharing one temp file would interleave.
    const first = 'a'.repeat(1 << 20);
    const second = new Uint8Array(1 << 19).fill(98);
    await Promise.all([writeFileAtomic(path, first), writeFileAtomic(path, second)]);
    const written = readFileSync(path);
    expect(written.toString('latin1') === first || written.equals(Buffer.from(second))).toBe(true);
    expect(readdirSync(join(directory, 'maps'))).toEqual(['attention-map.svg']);
  });

  it('writes only the bytes of a view, not its whole buffer', async () => {
    const path = join(directory, 'part.bin');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3, 4, 5]).subarray(1, 3));
    expect([...readFileSync(path)]).toEqual([2, 3]);
  });

  it('leaves what stood at the path and no temp file when the write fails', async () => {
    const path = join(directory, 'report.html');
    // No file can be renamed over a non-empty folder.
    mkdirSync(path);
    writeFileSync(join(path, 'keep'), 'old');
    await expect(writeFileAtomic(path, '<html>')).rejects.toThrow();
    expect(readFileSync(join(path, 'keep'), 'utf8')).toBe('old');
    expect(readdirSync(directory)).toEqual(['report.html']);
  });
});
