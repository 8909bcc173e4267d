// Test helpers: read the committed scikit-learn / scipy reference numbers
// (made by scripts/make-fixtures.py) and locate the shared data folder.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

export function fixtureExists(name: string): boolean {
  return existsSync(new URL(`./fixtures/${name}`, import.meta.url));
}

/** `GSA_DATA_DIR`, else `<repoRoot>/../shared/data`. */
export function sharedDataDir(): string {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  return process.env.GSA_DATA_DIR ?? resolve(repoRoot, '../shared/data');
}
