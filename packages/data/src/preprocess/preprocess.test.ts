import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import { DataError } from '../errors.js';
import type { RawImage } from '../types.js';
import {
  IMAGENET_MEAN,
  IMAGENET_STD,
  PAPER_PREPROCESSING,
  assertSameSize,
  preprocessImage,
  preprocessImages,
  type CropRect,
} from './preprocess.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const grey = (width: number, height: number, values?: number[]): RawImage => ({
  data: Uint8Array.from(values ?? Array.from({ length: width * height }, (_, i) => i % 256)),
  width,
  height,
  channels: 1,
  maxValue: 255,
});

describe('preprocessImage', () => {
  it('crops, then scales to [0, 1]', () => {
    const image = grey(
      4,
      3,
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((v) => v * 20),
    );
    const out = preprocessImage(image, { crop: { left: 1, top: 1, width: 2, height: 2 } });
    expect([out.height, out.width, out.channels]).toEqual([2, 2, 1]);
    expect(Array.from(out.data)).toEqual(
      [100, 120, 180, 200].map((v) => Math.fround(v * (1 / 255))),
    );
  });

  it('resizes with INTER_AREA, flips, and repeats grey to 3 channels', () => {
    const image = grey(4, 2, [0, 40, 80, 120, 0, 40, 80, 120]);
    const out = preprocessImage(image, { size: [1, 2], channels: 3, scale: false }, true);
    expect(Array.from(out.data)).toEqual([100, 100, 100, 20, 20, 20]);
  });

  it('flips exactly as flip-then-resize does, when one axis shrinks and the other grows', () => {
    // Reference: mirror the cropped source by hand, then resize without a flip.
    const mirror = (image: RawImage): RawImage => {
      const { width, height, channels } = image;
      const data = new Uint8Array(image.data.length);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          for (let c = 0; c < channels; c++) {
            data[(y * width + (width - 1 - x)) * channels + c] =
              image.data[(y * width + x) * channels + c]!;
          }
        }
      }
      return { ...image, data };
    };
    const rgb = (width: number, height: number, seed: number): RawImage => {
      let state = seed;
      const data = Uint8Array.from({ length: width * height * 3 }, () => {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        return state >>> 24;
      });
      return { data, width, height, channels: 3, maxValue: 255 };
    };
    const whole = (image: RawImage): CropRect => ({
      left: 0,
      top: 0,
      width: image.width,
      height: image.height,
    });
    const cases: [string, RawImage, [number, number], CropRect?][] = [
      // 300 wide -> 224 (shrinks), 200 high -> 224 (grows): was off by up to 0.91
      ['300x200 -> 224x224', rgb(300, 200, 1), [224, 224]],
      ['300x250 -> 224x224 (both shrink)', rgb(300, 250, 2), [224, 224]],
      ['300x200 -> 150x100 (both shrink by 2)', rgb(300, 200, 3), [100, 150]],
      ['30x20 -> 53x47 (both grow)', rgb(30, 20, 4), [47, 53]],
      [
        'crop 290x200 of 320x200 -> 224x224',
        rgb(320, 200, 5),
        [224, 224],
        { left: 13, top: 0, width: 290, height: 200 },
      ],
    ];
    const failures: [string, number][] = [];
    for (const [label, image, size, crop = whole(image)] of cases) {
      const cropped = preprocessImage(image, { crop, scale: false });
      const source: RawImage = { ...cropped, data: Uint8Array.from(cropped.data), maxValue: 255 };
      const reference = preprocessImage(mirror(source), { size }).data;
      const pipeline = preprocessImage(image, { size, crop }, true).data;
      expect(pipeline.length).toBe(size[0] * size[1] * 3);
      let worst = 0;
      for (let i = 0; i < reference.length; i++)
        worst = Math.max(worst, Math.abs(reference[i]! - pipeline[i]!));
      if (worst > 1e-6) failures.push([label, worst]);
    }
    expect(failures).toEqual([]);
  });

  it("standardises with ImageNet's mean and std", () => {
    const image: RawImage = {
      data: Uint8Array.from([255, 0, 51]),
      width: 1,
      height: 1,
      channels: 3,
      maxValue: 255,
    };
    const out = preprocessImage(image, PAPER_PREPROCESSING);
    expect([out.height, out.width, out.channels]).toEqual([224, 224, 3]);
    const expected = [1, 0, 0.2].map((v, c) => (v - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!);
    for (let c = 0; c < 3; c++) expect(out.data[c]).toBeCloseTo(expected[c]!, 5);
  });

  it('scales 16-bit images by 65535 and converts RGB to grey like OpenCV', () => {
    const image: RawImage = {
      data: Uint16Array.from([65535, 0, 0]),
      width: 1,
      height: 1,
      channels: 3,
      maxValue: 65535,
    };
    const out = preprocessImage(image, { channels: 1 });
    expect(out.channels).toBe(1);
    expect(out.data[0]).toBeCloseTo(0.299, 6);
  });

  it('refuses ImageNet statistics on one channel, and crops that do not fit, naming the image', () => {
    expect(() => preprocessImage(grey(2, 2), { normalize: 'imagenet' }, false, 'a.png')).toThrow(
      /a\.png: normalize has 3 channel statistics but the image has 1.*channels: 3/,
    );
    expect(() =>
      preprocessImage(
        grey(2, 2),
        { crop: { left: 1, top: 0, width: 2, height: 2 } },
        false,
        'b.png',
      ),
    ).toThrow(/b\.png: crop .* does not fit the 2x2 image/);
  });
});

describe('preprocessImages', () => {
  it('stacks images into one float32 tensor, from raw images or a tensor', () => {
    const out = preprocessImages([grey(4, 4), grey(4, 4)], { size: 2 });
    expect(out.shape).toEqual([2, 2, 2, 1]);
    expect(out.dtype).toBe('float32');
    const fromTensor = preprocessImages(
      tf.tensor4d(
        Array.from({ length: 16 }, (_, i) => i % 256),
        [1, 4, 4, 1],
      ),
      {
        size: 2,
      },
    );
    expect(Array.from(fromTensor.dataSync())).toEqual(Array.from(out.dataSync().slice(0, 4)));
    tf.dispose([out, fromTensor]);
  });

  it('lists the files whose size differs after preprocessing', () => {
    const images = [grey(4, 4), grey(4, 4), grey(3, 4), grey(4, 4), grey(5, 5)];
    const names = ['a.png', 'b.png', 'odd.png', 'c.png', 'big.png'];
    let error: unknown;
    try {
      preprocessImages(images, {}, names);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DataError);
    const message = (error as DataError).message;
    expect(message).toMatch(/3 are 4x4x1 \(HxWxC\) but 2 differ/);
    expect(message).toContain('odd.png');
    expect(message).toContain('big.png');
    expect(message).not.toContain('a.png');
    expect(message).toMatch(/pass size to resize them all/);
    expect(() => preprocessImages(images, { size: 4 }, names)).not.toThrow();
  });

  it('suggests a channel count when only channels differ', () => {
    expect(() =>
      assertSameSize([
        { name: 'grey.png', height: 2, width: 2, channels: 1 },
        { name: 'rgb.png', height: 2, width: 2, channels: 3 },
      ]),
    ).toThrow(/channels: 3/);
  });
});
