import { colormapTable } from './colormap.js';
import { renderBeforeAfter, renderMapAndGradCam } from './panels.js';

const pixel = (image: { width: number; data: Uint8ClampedArray }, x: number, y: number) =>
  Array.from(image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4));

describe('panels', () => {
  it('before / after share one scale: a flat 0.5 map stays mid-table next to a 0..1 map', () => {
    const before = { height: 2, width: 2, values: [0.5, 0.5, 0.5, 0.5] };
    const after = { height: 2, width: 2, values: [0, 1, 0, 1] };
    const figure = renderBeforeAfter(before, after, { colormap: 'gray', gap: 1 });
    expect([figure.width, figure.height]).toEqual([2 + 1 + 2 + 1 + 4, 2]);
    expect(pixel(figure, 0, 0)).toEqual([128, 128, 128, 255]); // floor(0.5 * 256)
    expect(pixel(figure, 3, 0)).toEqual([0, 0, 0, 255]);
    expect(pixel(figure, 4, 0)).toEqual([255, 255, 255, 255]);
  });

  it('adds the overlays on a backdrop when given', () => {
    const map = { height: 2, width: 2, values: [0, 1, 0, 1] };
    const backdrop = { height: 2, width: 2, channels: 1 as const, values: [0, 0, 0, 0] };
    const figure = renderBeforeAfter(map, map, { backdrop, gap: 0 });
    expect(figure.width).toBe(2 * 4 + 4);
  });

  it('image | global map | Grad-CAM, each on the image', () => {
    const image = { height: 2, width: 2, channels: 1 as const, values: [0, 0, 0, 0] };
    const figure = renderMapAndGradCam(
      image,
      { height: 2, width: 2, values: [1, 0, 0, 0] },
      { height: 1, width: 1, values: [1] },
      { colormap: 'magma', opacity: 1, imageDomain: [0, 1], gap: 0 },
    );
    expect(figure.width).toBe(6);
    const top = [...colormapTable('magma').subarray(765), 255];
    expect(pixel(figure, 0, 0)).toEqual([0, 0, 0, 255]);
    expect(pixel(figure, 2, 0)).toEqual(top);
    expect(pixel(figure, 5, 1)).toEqual(top); // a 1x1 Grad-CAM of 1 covers the image
  });
});
