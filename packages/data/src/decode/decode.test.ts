import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { DataError } from '../errors.js';
import {
  cleanupScratch,
  scratchDir,
  testPixels,
  writeImage,
  type Format,
} from '../test-helpers.fixture.js';
import { decodeImage, isImageFile, pixelFailureReason, readImageHeader } from './decode.js';
import { decodePnm } from './pnm.js';

afterAll(cleanupScratch);

describe('decodeImage', () => {
  const directory = scratchDir();
  const lossless: Format[] = ['png', 'tiff', 'pgm'];

  it.each(
    lossless.flatMap((format) => [1, 3].map((channels) => [format, channels as 1 | 3] as const)),
  )('%s with %i channel(s) decodes to the exact pixels', async (format, channels) => {
    const pixels = testPixels(5, 7, channels, channels);
    const file = join(
      directory,
      `exact-${channels}.${format === 'pgm' && channels === 3 ? 'ppm' : format}`,
    );
    await writeImage(file, pixels, 7, 5, channels, format);
    const image = await decodeImage(file);
    expect([image.width, image.height, image.channels, image.maxValue]).toEqual([
      7,
      5,
      channels,
      255,
    ]);
    expect(Array.from(image.data)).toEqual(Array.from(pixels));
    expect(await readImageHeader(file)).toEqual({ width: 7, height: 5, channels });
  });

  it('decodes grey and RGB JPEGs close to the original', async () => {
    for (const channels of [1, 3] as const) {
      const pixels = new Uint8Array(16 * 16 * channels).fill(90);
      const file = join(directory, `flat-${channels}.jpg`);
      await writeImage(file, pixels, 16, 16, channels, 'jpeg');
      const image = await decodeImage(file);
      expect(image.channels).toBe(channels);
      expect(Math.max(...Array.from(image.data, (v) => Math.abs(v - 90)))).toBeLessThanOrEqual(2);
    }
  });

  it('keeps 16-bit PNGs 16-bit and drops alpha', async () => {
    const values = Uint16Array.from({ length: 6 }, (_, i) => i * 10000 + 7);
    const file16 = join(directory, 'deep.png');
    await writeFile(
      file16,
      await sharp(values, { raw: { width: 3, height: 2, channels: 1 } })
        .toColourspace('grey16')
        .png()
        .toBuffer(),
    );
    const deep = await decodeImage(file16);
    expect(deep.maxValue).toBe(65535);
    expect(Array.from(deep.data)).toEqual(Array.from(values));

    const rgba = join(directory, 'alpha.png');
    await writeFile(
      rgba,
      await sharp(new Uint8Array(4 * 4).fill(200), { raw: { width: 2, height: 2, channels: 4 } })
        .png()
        .toBuffer(),
    );
    const image = await decodeImage(rgba);
    expect(image.channels).toBe(3);
  });

  it('reads plain (ASCII) and 16-bit PGM', () => {
    const ascii = decodePnm(new TextEncoder().encode('P2\n# comment\n3 1\n15\n0 7 15\n'), 'a.pgm');
    expect(Array.from(ascii.data)).toEqual([0, 7, 15]);
    expect(ascii.maxValue).toBe(15);
    const deep = decodePnm(
      Uint8Array.from([...new TextEncoder().encode('P5 2 1 65535\n'), 0x01, 0x02, 0xff, 0xff]),
    );
    expect(Array.from(deep.data)).toEqual([0x0102, 0xffff]);
  });

  it('names the file that is missing, empty, corrupt or truncated', async () => {
    const empty = join(directory, 'empty.png');
    await writeFile(empty, new Uint8Array(0));
    const corrupt = join(directory, 'corrupt.jpg');
    await writeFile(corrupt, new TextEncoder().encode('this is not an image'));
    const png = await sharp(testPixels(20, 20, 3), { raw: { width: 20, height: 20, channels: 3 } })
      .png()
      .toBuffer();
    const truncated = join(directory, 'truncated.png');
    await writeFile(truncated, png.subarray(0, png.length - 30));
    const badPgm = join(directory, 'short.pgm');
    await writeFile(badPgm, new TextEncoder().encode('P5 4 4 255\nabc'));
    const cases: [string, RegExp][] = [
      [join(directory, 'missing.png'), /cannot read image .*missing\.png: no such file/],
      [empty, /empty\.png is empty/],
      [corrupt, /cannot decode image .*corrupt\.jpg/],
      [truncated, /cannot decode image .*truncated\.png/],
      [badPgm, /short\.pgm: not a valid PGM\/PPM file \(the pixel data is truncated/],
    ];
    for (const [file, message] of cases) {
      const error = await decodeImage(file).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DataError);
      expect((error as DataError).message).toMatch(message);
      expect((error as DataError).subject).toBe(file);
    }
  });

  it('says "corrupt or truncated" for a file whose pixels libvips cannot decode', async () => {
    const pixels = testPixels(48, 64, 3);
    const raw = { raw: { width: 64, height: 48, channels: 3 as const } };
    const cases: [string, Buffer, string][] = [
      ['cut.png', await sharp(pixels, raw).png().toBuffer(), 'vipspng: libpng read error'],
      [
        'cut.jpg',
        await sharp(pixels, raw).jpeg().toBuffer(),
        'VipsJpeg: premature end of JPEG image',
      ],
    ];
    for (const [name, bytes, libvips] of cases) {
      const error = await decodeImage(bytes.subarray(0, bytes.length - 40), name).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(DataError);
      expect((error as DataError).message).toBe(
        `cannot decode image ${name}: corrupt or truncated image (libvips: ${libvips})`,
      );
    }
  });

  it("rewrites sharp's failOn message into one a user can act on", () => {
    const failOn = 'Warning treated as error due to failOn setting';
    expect(
      pixelFailureReason(
        new Error(`${failOn}\nVipsJpeg: Corrupt JPEG data: premature end of data segment\n`),
      ),
    ).toBe(
      'corrupt or truncated image (libvips: VipsJpeg: Corrupt JPEG data: premature end of data segment)',
    );
    expect(pixelFailureReason(new Error(failOn))).toBe(
      `corrupt or truncated image (libvips: ${failOn})`,
    );
    expect(pixelFailureReason(new Error('vipspng: libpng read error\nmore'))).toBe(
      'corrupt or truncated image (libvips: vipspng: libpng read error)',
    );
  });

  it('names each truncated file when many decode at once', async () => {
    // libvips keeps one process-wide error buffer: under concurrency an error
    // may arrive empty (sharp then reports its failOn sentence) or carry
    // another file's text. Every message must still name its own file and
    // read "corrupt or truncated".
    const pixels = testPixels(96, 96, 3);
    const raw = { raw: { width: 96, height: 96, channels: 3 as const } };
    const png = await sharp(pixels, raw).png().toBuffer();
    const jpeg = await sharp(pixels, raw).jpeg().toBuffer();
    const jobs = Array.from({ length: 48 }, (_, i) => {
      const bytes = i % 4 < 2 ? png : jpeg;
      const name = `image-${i}`;
      const bad = i % 2 === 0;
      return decodeImage(bad ? bytes.subarray(0, bytes.length - 40) : bytes, name).then(
        () => ({ name, bad, message: undefined }),
        (error: unknown) => ({ name, bad, message: (error as Error).message, error }),
      );
    });
    for (const result of await Promise.all(jobs)) {
      if (!result.bad) {
        expect(result.message).toBeUndefined();
        continue;
      }
      expect(result.message).toMatch(
        new RegExp(
          `^cannot decode image ${result.name}: corrupt or truncated image \\(libvips: .+\\)$`,
        ),
      );
      expect((result as { error?: DataError }).error?.subject).toBe(result.name);
    }
  });

  it('recognises image file names', () => {
    expect(isImageFile('KA.AN1.39.tiff')).toBe(true);
    expect(isImageFile('x.PGM')).toBe(true);
    expect(isImageFile('labels.csv')).toBe(false);
  });
});
