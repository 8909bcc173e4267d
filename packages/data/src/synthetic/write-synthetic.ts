// Writes the synthetic set as files (Node only: sharp encodes the PNGs).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { formatCsv } from '../csv.js';
import { writeDirectoryAtomic } from '../fs-atomic.js';
import {
  SyntheticGenerator,
  resolveSyntheticOptions,
  syntheticClassNames,
  syntheticImageId,
  type SyntheticOptions,
  type SyntheticRegion,
} from './synthetic.js';

/**
 * Writes the synthetic set to `directory` as PNGs, `labels.csv` (file,label),
 * `mask.png` (255 inside the evidence disk) and `synthetic.json` (the options
 * and region), all or nothing: it fills a temporary folder and renames it. An
 * existing non-empty folder is an error unless `overwrite`.
 */
export async function writeSyntheticDataset(
  directory: string,
  options: SyntheticOptions & { readonly overwrite?: boolean } = {},
): Promise<{ directory: string; count: number; region: SyntheticRegion }> {
  const o = resolveSyntheticOptions(options);
  const generator = new SyntheticGenerator(options);
  const { count, size, channels } = o;
  const classNames = syntheticClassNames(o.classes);
  const encode = (pixels: Float32Array, depth: number): Promise<Buffer> => {
    const bytes = Uint8Array.from(pixels, (value) => Math.round(value * 255));
    const image = sharp(bytes, { raw: { width: size, height: size, channels: depth as 1 | 3 } });
    return (depth === 1 ? image.toColourspace('b-w') : image).png().toBuffer();
  };
  await writeDirectoryAtomic(
    directory,
    async (temporary) => {
      const rows: string[][] = [['file', 'label']];
      for (let i = 0; i < count; i++) {
        const id = syntheticImageId(i, count);
        await writeFile(join(temporary, id), await encode(generator.image(i), channels));
        rows.push([id, classNames[generator.labels[i]!]!]);
      }
      await writeFile(join(temporary, 'labels.csv'), formatCsv(rows));
      await writeFile(join(temporary, 'mask.png'), await encode(generator.mask(), 1));
      await writeFile(
        join(temporary, 'synthetic.json'),
        JSON.stringify(
          {
            generator: '@gsa/data generateSyntheticDataset',
            options: o,
            region: generator.region,
            classNames,
          },
          null,
          2,
        ) + '\n',
      );
    },
    { overwrite: options.overwrite ?? false },
  );
  return { directory, count, region: generator.region };
}
