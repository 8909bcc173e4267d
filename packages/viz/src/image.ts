// Plain data shapes shared by every renderer: nothing here touches tfjs, the DOM
// or Node, so the trainer, the CLI and the docs app can all feed them.

/** An 8-bit RGBA raster, row-major, 4 bytes a pixel (the layout of the DOM's `ImageData`). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** One scalar per pixel, row-major `[height, width]`: an attention map, a Grad-CAM map. */
export interface ScalarMap {
  height: number;
  width: number;
  values: ArrayLike<number>;
}

/**
 * An image as numbers, row-major `[height, width, channels]` (tfjs's NHWC without N);
 * 1 channel is grey, 3 are RGB. Values in any range: renderers rescale them.
 */
export interface ImageArray {
  height: number;
  width: number;
  channels: 1 | 3;
  values: ArrayLike<number>;
}

export function createRgbaImage(width: number, height: number, fill = [0, 0, 0, 0]): RgbaImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
  const data = new Uint8ClampedArray(width * height * 4);
  for (let offset = 0; offset < data.length; offset += 4) data.set(fill, offset);
  return { width, height, data };
}

export function checkScalarMap(map: ScalarMap): void {
  if (map.values.length !== map.height * map.width) {
    throw new RangeError(
      `map has ${map.values.length} values, expected height*width = ${map.height}*${map.width}`,
    );
  }
}

export function checkImageArray(image: ImageArray): void {
  if (image.values.length !== image.height * image.width * image.channels) {
    throw new RangeError(
      `image has ${image.values.length} values, expected ${image.height}*${image.width}*${image.channels}`,
    );
  }
}

/** The `scale` option of the renderers: a whole number >= 1 (default 1), or a RangeError naming it. */
export function checkScale(scale: number | undefined): number {
  if (scale === undefined) return 1;
  if (!Number.isInteger(scale) || scale < 1) {
    throw new RangeError(
      `scale must be a whole number >= 1 (pixels per map pixel), got ${String(scale)}`,
    );
  }
  return scale;
}

/** Scale up by whole pixels (nearest neighbour) so a 16x16 map is visible without blur. */
export function upscaleNearest(image: RgbaImage, factor: number): RgbaImage {
  if (!Number.isInteger(factor) || factor < 1)
    throw new RangeError('factor must be an integer >= 1');
  if (factor === 1) return image;
  const out = createRgbaImage(image.width * factor, image.height * factor);
  for (let y = 0; y < out.height; y++) {
    const sourceRow = Math.floor(y / factor) * image.width;
    for (let x = 0; x < out.width; x++) {
      const source = (sourceRow + Math.floor(x / factor)) * 4;
      out.data.set(image.data.subarray(source, source + 4), (y * out.width + x) * 4);
    }
  }
  return out;
}

export interface SideBySideOptions {
  /** Pixels between panels. Default 4. */
  gap?: number;
  /** RGBA of the gap and of the padding below shorter panels. Default opaque white. */
  background?: [number, number, number, number];
}

/** Panels left to right, tops aligned: "before / after learning", "map / Grad-CAM". */
export function sideBySide(
  panels: readonly RgbaImage[],
  options: SideBySideOptions = {},
): RgbaImage {
  if (panels.length === 0) throw new RangeError('sideBySide needs at least one panel');
  const gap = options.gap ?? 4;
  const width = panels.reduce((sum, panel) => sum + panel.width, 0) + gap * (panels.length - 1);
  const height = Math.max(...panels.map((panel) => panel.height));
  const out = createRgbaImage(width, height, options.background ?? [255, 255, 255, 255]);
  let left = 0;
  for (const panel of panels) {
    for (let y = 0; y < panel.height; y++) {
      const row = panel.data.subarray(y * panel.width * 4, (y + 1) * panel.width * 4);
      out.data.set(row, (y * width + left) * 4);
    }
    left += panel.width + gap;
  }
  return out;
}
