// JAFFE fixtures in the real layout: KA.AN1.39.tiff files (8-bit grey TIFF)
// and a semantic-ratings file with rows `N HAP SAD SUR ANG DIS FEA PIC`.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import { DataError } from '../errors.js';
import { cleanupScratch, scratchDir, testPixels, writeImage } from '../test-helpers.fixture.js';
import { loadJaffe, parseJaffeRatings } from './jaffe.js';

beforeAll(async () => {
  await useBackend('cpu');
});
afterAll(cleanupScratch);

// picture, file index, ratings in HAP SAD SUR ANG DIS FEA order
const PICTURES: [string, number, number[]][] = [
  ['KA-HA1', 29, [4.8, 1.2, 1.9, 1.1, 1.1, 1.1]],
  ['KA-SA2', 34, [1.2, 4.1, 1.5, 1.9, 2.3, 2.6]],
  ['KA-SU1', 36, [1.9, 1.3, 4.6, 1.2, 1.2, 2.9]],
  ['KL-AN1', 174, [1.1, 1.9, 1.5, 4.2, 3.1, 1.6]],
  ['KL-DI3', 180, [1.1, 2.0, 1.5, 3.0, 3.9, 2.0]],
  ['KL-FE2', 182, [1.2, 2.4, 3.0, 1.6, 2.1, 3.4]],
  ['KL-NE1', 155, [2.9, 1.8, 1.6, 1.5, 1.5, 1.6]], // neutral: rated happiest
  ['TM-FE1', 205, [1.1, 2.2, 3.9, 1.5, 2.0, 3.1]], // posed fear, rated surprise
];

async function jaffeFolder(
  options: { header?: string; skipRating?: string } = {},
): Promise<string> {
  const directory = scratchDir();
  let seed = 1;
  for (const [picture, index] of PICTURES) {
    const [subject, pose] = picture.split('-') as [string, string];
    const name = `${subject}.${pose}.${index}.tiff`;
    await writeImage(
      join(directory, 'jaffedbase', name),
      testPixels(16, 16, 1, seed++),
      16,
      16,
      1,
      'tiff',
    );
  }
  const header = options.header ?? '#   HAP  SAD  SUR  ANG  DIS  FEA PIC';
  const rows = PICTURES.filter(([picture]) => picture !== options.skipRating).map(
    ([picture, , ratings], i) =>
      `${i + 1} ${ratings.map((value) => value.toFixed(2)).join(' ')} ${picture}`,
  );
  await writeFile(join(directory, 'semantic-ratings.txt'), `${header}\n\n${rows.join('\n')}\n`);
  return directory;
}

describe('loadJaffe', () => {
  it("labels by the highest mean rating (the paper's six classes), subjects as groups", async () => {
    const set = await loadJaffe(await jaffeFolder(), { allowEmptyClasses: false });
    expect(set.classNames).toEqual([
      'happiness',
      'sadness',
      'surprise',
      'anger',
      'disgust',
      'fear',
    ]);
    expect(set.ids).toEqual([
      'KA.HA1.29.tiff',
      'KA.SA2.34.tiff',
      'KA.SU1.36.tiff',
      'KL.AN1.174.tiff',
      'KL.DI3.180.tiff',
      'KL.FE2.182.tiff',
      'KL.NE1.155.tiff',
      'TM.FE1.205.tiff',
    ]);
    const names = Array.from(set.labels, (label) => set.classNames[label]);
    expect(names).toEqual([
      'happiness',
      'sadness',
      'surprise',
      'anger',
      'disgust',
      'fear',
      'happiness',
      'surprise',
    ]);
    expect(set.groups).toEqual(['KA', 'KA', 'KA', 'KL', 'KL', 'KL', 'KL', 'TM']);
    expect(set.metadata.details).toMatchObject({ labelRule: 'ratings' });
    expect((set.images as tf.Tensor4D).shape).toEqual([8, 16, 16, 1]);
    (set.images as tf.Tensor4D).dispose();
  });

  it('labels by the posed expression in the file name (seven classes) as an option', async () => {
    const directory = await jaffeFolder();
    const set = await loadJaffe(directory, {
      labels: 'posed',
      allowEmptyClasses: true,
      size: 8,
      channels: 3,
    });
    expect(set.classNames).toEqual([
      'anger',
      'disgust',
      'fear',
      'happiness',
      'neutral',
      'sadness',
      'surprise',
    ]);
    expect(Array.from(set.labels, (label) => set.classNames[label])).toEqual([
      'happiness',
      'sadness',
      'surprise',
      'anger',
      'disgust',
      'fear',
      'neutral',
      'fear',
    ]);
    expect((set.images as tf.Tensor4D).shape).toEqual([8, 8, 8, 3]);
    (set.images as tf.Tensor4D).dispose();
  });

  it('reads the column order from the header', () => {
    const ratings = parseJaffeRatings('N FEA DIS ANG SUR SAD HAP PIC\n1 6 5 4 3 2 1 YM-HA1\n');
    expect(ratings.get('YM-HA1')).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('names unrated images, or skips them when asked', async () => {
    const directory = await jaffeFolder({ skipRating: 'KL-DI3' });
    await expect(loadJaffe(directory)).rejects.toThrow(
      /1 JAFFE image\(s\) have no row in .*semantic-ratings\.txt: KL\.DI3\.180\.tiff/,
    );
    // Without KL-DI3 no image is rated most disgusted.
    await expect(loadJaffe(directory, { unrated: 'skip' })).rejects.toThrow(
      /class\(es\) with no images: 'disgust'/,
    );
    const set = await loadJaffe(directory, { unrated: 'skip', allowEmptyClasses: true });
    expect(set.ids).not.toContain('KL.DI3.180.tiff');
    expect(set.metadata.details).toMatchObject({ skippedUnrated: ['KL.DI3.180.tiff'] });
    (set.images as tf.Tensor4D).dispose();
  });

  it('explains a missing ratings file, a malformed row and an empty folder', async () => {
    const directory = await jaffeFolder({ header: '# nothing useful' });
    await expect(loadJaffe(directory)).rejects.toThrow(/no ratings file found .*labels: 'posed'/);
    const malformed = await jaffeFolder();
    await writeFile(
      join(malformed, 'semantic-ratings.txt'),
      'N HAP SAD SUR ANG DIS FEA PIC\n1 2.0 x 1 1 1 1 KA-HA1\n',
    );
    await expect(loadJaffe(malformed)).rejects.toThrow(
      /semantic-ratings\.txt line 2: expected 'N HAP SAD SUR ANG DIS FEA PIC'/,
    );
    await expect(loadJaffe(scratchDir())).rejects.toThrow(
      /no JAFFE images \(names such as KA\.AN1\.39\.tiff\)/,
    );
  });

  it('names a file whose expression code is unknown', async () => {
    const directory = await jaffeFolder();
    const odd = join(directory, 'jaffedbase', 'KA.XX1.40.tiff');
    await writeImage(odd, testPixels(16, 16, 1, 99), 16, 16, 1, 'tiff');
    await expect(loadJaffe(directory, { labels: 'posed' })).rejects.toThrow(
      `${odd}: unknown posed expression 'XX' (one of AN, DI, FE, HA, NE, SA, SU)`,
    );
    // By ratings it has no row (KA-XX1 is rated nowhere), and is named as such.
    await expect(loadJaffe(directory)).rejects.toThrow(
      /1 JAFFE image\(s\) have no row in .*semantic-ratings\.txt: KA\.XX1\.40\.tiff/,
    );
  });

  it('names a ratingsFile that is missing, empty or has no ratings', async () => {
    const directory = await jaffeFolder();
    const cases: [string, string | undefined, RegExp][] = [
      ['missing.txt', undefined, /^cannot read ratings file .*missing\.txt: no such file$/],
      ['empty.txt', '', /^ratings file .*empty\.txt is empty \(expected a header/],
      ['blank.txt', '\n  \n', /^ratings file .*blank\.txt is empty/],
      [
        'header-only.txt',
        '#   HAP  SAD  SUR  ANG  DIS  FEA PIC\n',
        /^ratings file .*header-only\.txt has no ratings \(expected a header/,
      ],
    ];
    for (const [name, text, message] of cases) {
      const file = join(directory, 'other', name);
      if (text !== undefined) {
        await mkdir(join(directory, 'other'), { recursive: true });
        await writeFile(file, text);
      }
      const error = await loadJaffe(directory, { ratingsFile: file }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(DataError);
      expect((error as DataError).message).toMatch(message);
      expect((error as DataError).subject).toBe(file);
    }
  });
});
