import { createRgbaImage, sideBySide, upscaleNearest } from './image.js';

describe('rasters', () => {
  it('upscales by whole pixels', () => {
    const image = createRgbaImage(2, 1);
    image.data.set([1, 2, 3, 4, 5, 6, 7, 8]);
    const big = upscaleNearest(image, 2);
    expect([big.width, big.height]).toEqual([4, 2]);
    expect(Array.from(big.data.subarray(0, 16))).toEqual([
      1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8,
    ]);
    expect(Array.from(big.data.subarray(16, 32))).toEqual(Array.from(big.data.subarray(0, 16)));
  });

  it('puts panels side by side with a gap, tops aligned, padding the shorter one', () => {
    const tall = createRgbaImage(1, 2, [10, 10, 10, 255]);
    const short = createRgbaImage(1, 1, [20, 20, 20, 255]);
    const both = sideBySide([tall, short], { gap: 1, background: [0, 0, 0, 0] });
    expect([both.width, both.height]).toEqual([3, 2]);
    const pixel = (x: number, y: number) =>
      Array.from(both.data.subarray((y * 3 + x) * 4, (y * 3 + x) * 4 + 4));
    expect(pixel(0, 1)).toEqual([10, 10, 10, 255]);
    expect(pixel(1, 0)).toEqual([0, 0, 0, 0]);
    expect(pixel(2, 0)).toEqual([20, 20, 20, 255]);
    expect(pixel(2, 1)).toEqual([0, 0, 0, 0]);
  });
});
