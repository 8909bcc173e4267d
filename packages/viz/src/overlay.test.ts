import { colormapTable } from './colormap.js';
import { imageToRgba, meanImage, overlayHeatmap, resizeMap } from './overlay.js';

describe('overlays', () => {
  it('mean image averages N images pixel by pixel', () => {
    const mean = meanImage([0, 2, 4, 6, 2, 4, 6, 8], [2, 2, 2, 1]);
    expect(Array.from(mean.values)).toEqual([1, 3, 5, 7]);
    expect(() => meanImage([1, 2, 3], [2, 1, 1, 1])).toThrow(RangeError);
  });

  it('grey images become R = G = B, min-max scaled', () => {
    const rgba = imageToRgba({ height: 1, width: 3, channels: 1, values: [-1, 0, 1] });
    expect(Array.from(rgba.data)).toEqual([0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
  });

  it('blends out = round((1 - a) * image + a * colour), exactly', () => {
    const image = { height: 1, width: 2, channels: 3 as const, values: [0, 0, 0, 1, 1, 1] };
    const map = { height: 1, width: 2, values: [0, 1] };
    const out = overlayHeatmap(image, map, {
      colormap: 'viridis',
      opacity: 0.25,
      imageDomain: [0, 1],
    });
    const table = colormapTable('viridis');
    const low = [0, 1, 2].map((c) => Math.round(0.25 * table[c]!));
    const high = [0, 1, 2].map((c) => Math.round(0.75 * 255 + 0.25 * table[255 * 3 + c]!));
    expect(Array.from(out.data)).toEqual([...low, 255, ...high, 255]);
  });

  it('opacity following importance leaves unimportant pixels untouched', () => {
    const image = { height: 1, width: 2, channels: 1 as const, values: [0.5, 0.5] };
    const out = overlayHeatmap(
      image,
      { height: 1, width: 2, values: [0, 1] },
      {
        opacity: 1,
        opacityFollowsImportance: true,
        imageDomain: [0, 1],
      },
    );
    expect(Array.from(out.data.subarray(0, 4))).toEqual([128, 128, 128, 255]);
    const top = colormapTable('viridis').subarray(765);
    expect(Array.from(out.data.subarray(4, 8))).toEqual([...top, 255]);
  });

  it('resizes a coarse map bilinearly (half-pixel centres), keeping constants and corners', () => {
    const coarse = { height: 2, width: 2, values: [0, 1, 2, 3] };
    const fine = resizeMap(coarse, 4, 4);
    expect(fine.values[0]).toBeCloseTo(0);
    expect(fine.values[15]).toBeCloseTo(3);
    expect(fine.values[1]).toBeCloseTo(0.25); // x = 1 -> source 0.25
    expect(Array.from(resizeMap({ height: 1, width: 1, values: [7] }, 3, 2).values)).toEqual([
      7, 7, 7, 7, 7, 7,
    ]);
  });

  it('puts a coarse map where the evidence is on a larger image', () => {
    const image = { height: 8, width: 8, channels: 1 as const, values: new Float32Array(64) };
    const map = { height: 2, width: 2, values: [1, 0, 0, 0] }; // top-left quadrant
    const out = overlayHeatmap(image, map, { colormap: 'gray', opacity: 1, imageDomain: [0, 1] });
    expect(out.data[0]).toBe(255); // top-left: white
    expect(out.data[(7 * 8 + 7) * 4]).toBe(0); // bottom-right: black
  });
});
