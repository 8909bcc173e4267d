import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
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
