// Where tests find their inputs: the committed fixtures of this package, and
// the shared data outside the project (GSA_DATA_DIR, default ../shared/data).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedDataDirectory, sharedDataPath } from '@gsa/tooling/shared-data';

const here = dirname(fileURLToPath(import.meta.url));

export function parityFixture(name: string): string {
  return resolve(here, '../../fixtures/parity', name);
}

/** The path of `relativePath` in the shared data, or undefined when it is absent. */
export function sharedData(relativePath: string): string | undefined {
  return sharedDataPath(relativePath);
}

/** The name of a skipped test that says which data it lacks and how to provide it. */
export function missingDataMessage(relativePath: string): string {
  return `needs the shared data ${relativePath}, not found in ${sharedDataDirectory()} (set GSA_DATA_DIR); skipped`;
}

/**
 * `describe(name, body)` with the path of `relativePath` in the shared data,
 * or, where it is absent, one skipped test whose name says what is missing.
 */
export function describeWithSharedData(
  relativePath: string,
  name: string,
  body: (path: string) => void,
): void {
  const path = sharedData(relativePath);
  if (path === undefined) console.warn(`${name}: ${missingDataMessage(relativePath)}`);
  describe(name, () => {
    if (path === undefined) {
      it.skip(missingDataMessage(relativePath), () => undefined);
    } else {
      body(path);
    }
  });
}
