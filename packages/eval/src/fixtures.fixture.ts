// Test helpers: read the committed scikit-learn / scipy reference numbers
// (made by scripts/make-fixtures.py) and locate the shared data folder.
import { existsSync, readFileSync } from 'node:fs';
import { sharedDataDirectory } from '@gsa/tooling/shared-data';

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

export function fixtureExists(name: string): boolean {
  return existsSync(new URL(`./fixtures/${name}`, import.meta.url));
}

/** The shared data folder (@gsa/tooling/shared-data). */
export function sharedDataDir(): string {
  return sharedDataDirectory();
}
