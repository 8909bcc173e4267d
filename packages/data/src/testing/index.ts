// @gsa/data/testing: the data package's test fixtures (DICOM, NIfTI, JAFFE,
// IDRiD layouts, ...) for the tests of other packages in this repository, so
// that none reaches into another package's folders by a relative path. The
// published package does not ship the fixtures themselves.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The fixtures folder of @gsa/data's sources. */
export const DATA_FIXTURES: string = fileURLToPath(
  new URL('../sources/fixtures/', import.meta.url),
);

/** A path inside the fixtures folder, e.g. `dataFixture('dicom', 'set')`. */
export function dataFixture(...segments: string[]): string {
  return join(DATA_FIXTURES, ...segments);
}

export { moveImages, type MoveOptions } from './move-images.js';
