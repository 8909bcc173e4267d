// Where tests and benchmarks find the real data shared outside the project
// (DESIGN.md section 5): GSA_DATA_DIR, else ../shared/data beside the
// repository. The one place that knows it.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The shared data folder: GSA_DATA_DIR, else `<repository>/../shared/data`. */
export function sharedDataDirectory(): string {
  return resolve(process.env.GSA_DATA_DIR ?? join(repositoryRoot, '..', 'shared', 'data'));
}

/** The path of `relative` in the shared data, or undefined when it is absent. */
export function sharedDataPath(relative: string): string | undefined {
  const path = join(sharedDataDirectory(), relative);
  return existsSync(path) ? path : undefined;
}

/** Why something that needs `relative` is skipped, and how to provide it. */
export function missingSharedData(relative: string): string {
  return `${join(sharedDataDirectory(), relative)} not found (set GSA_DATA_DIR to the shared data folder)`;
}
