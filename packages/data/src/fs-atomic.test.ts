import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeDirectoryAtomic, writeFileAtomic } from './fs-atomic.js';
import { cleanupScratch, scratchDir } from './test-helpers.fixture.js';

afterAll(cleanupScratch);

describe('atomic writes', () => {
  it('writes a file through a temporary name', async () => {
    const directory = scratchDir();
    await writeFileAtomic(join(directory, 'sub', 'a.json'), '{"ok":true}');
    expect(await readFile(join(directory, 'sub', 'a.json'), 'utf8')).toBe('{"ok":true}');
    expect(await readdir(join(directory, 'sub'))).toEqual(['a.json']);
  });

  it('lets two concurrent writes to one path both succeed, leaving one of them whole', async () => {
    const directory = scratchDir();
    const path = join(directory, 'map.npy');
    // Large enough that interleaved writes into one shared temp file would show.
    const first = new Uint8Array(1 << 20).fill(1);
    const second = 'b'.repeat(1 << 19);
    await Promise.all([writeFileAtomic(path, first), writeFileAtomic(path, second)]);
    const written = await readFile(path);
    expect(written.equals(Buffer.from(first)) || written.toString('utf8') === second).toBe(true);
    expect(await readdir(directory)).toEqual(['map.npy']);
  });

  it('leaves what stood at the path and no temporary file when the write fails', async () => {
    const directory = scratchDir();
    const path = join(directory, 'a.json');
    // No file can be renamed over a non-empty folder.
    await mkdir(path);
    await writeFile(join(path, 'keep'), 'old');
    await expect(writeFileAtomic(path, '{}')).rejects.toThrow();
    expect(await readFile(join(path, 'keep'), 'utf8')).toBe('old');
    expect(await readdir(directory)).toEqual(['a.json']);
  });

  it('gives two fills of one folder at once their own temporary folders', async () => {
    const parent = scratchDir();
    const used: string[] = [];
    const fill = async (temporary: string): Promise<void> => {
      used.push(temporary);
      await writeFile(join(temporary, 'part.txt'), 'x');
      throw new Error('stop before the rename');
    };
    const target = join(parent, 'set');
    const results = await Promise.allSettled([
      writeDirectoryAtomic(target, fill),
      writeDirectoryAtomic(target, fill),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(new Set(used).size).toBe(2);
    expect(await readdir(parent)).toEqual([]);
  });

  it('leaves neither the folder nor a temporary one when filling fails half-way', async () => {
    const parent = scratchDir();
    const target = join(parent, 'set');
    await expect(
      writeDirectoryAtomic(target, async (temporary) => {
        await writeFile(join(temporary, 'one.png'), 'x');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(existsSync(target)).toBe(false);
    expect(await readdir(parent)).toEqual([]);
  });

  it('keeps the old folder when replacing it fails', async () => {
    const parent = scratchDir();
    const target = join(parent, 'set');
    await writeDirectoryAtomic(target, async (temporary) =>
      writeFile(join(temporary, 'old.txt'), 'old'),
    );
    await expect(
      writeDirectoryAtomic(
        target,
        async () => {
          throw new Error('interrupted');
        },
        { overwrite: true },
      ),
    ).rejects.toThrow('interrupted');
    expect(await readdir(target)).toEqual(['old.txt']);
    expect(await readdir(parent)).toEqual(['set']);
  });
});
