import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Every file under `root` whose name `accept`s, depth first in name order (so
 * the same tree always lists the same way), skipping dot files and folders.
 */
export async function listFilesRecursively(
  root: string,
  accept: (name: string) => boolean,
): Promise<string[]> {
  const found: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && accept(entry.name)) found.push(path);
    }
  };
  await walk(root);
  return found;
}
