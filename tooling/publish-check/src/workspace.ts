import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface PublicPackage {
  name: string;
  version: string;
  directory: string;
  /** Subpaths of the exports map that resolve to code (not null, not package.json). */
  entryPoints: string[];
  /** Subpaths the exports map blocks with null (patterns such as ./internal/*). */
  blocked: string[];
}

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports?: Record<string, unknown>;
}

/** Every package under packages/ and apps/ that is not private. */
export function publicPackages(): PublicPackage[] {
  const found: PublicPackage[] = [];
  for (const group of ['packages', 'apps']) {
    const groupDirectory = join(repoRoot, group);
    if (!existsSync(groupDirectory)) continue;
    for (const entry of readdirSync(groupDirectory, { withFileTypes: true })) {
      const manifestPath = join(groupDirectory, entry.name, 'package.json');
      if (!entry.isDirectory() || !existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
      if (manifest.private) continue;
      const exportsMap = manifest.exports ?? {};
      found.push({
        name: manifest.name,
        version: manifest.version,
        directory: join(groupDirectory, entry.name),
        entryPoints: Object.keys(exportsMap).filter(
          (key) => exportsMap[key] !== null && !key.endsWith('package.json'),
        ),
        blocked: Object.keys(exportsMap).filter((key) => exportsMap[key] === null),
      });
    }
  }
  return found;
}
