// Browser helpers: the same RGBA bytes the Node PNG writer gets, drawn on a
// canvas. Nothing touches the DOM until a function is called, so this module
// also imports in Node (the publish check does).
import type { RgbaImage } from '../image.js';

type Canvas2D = {
  getContext(kind: '2d'): CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  width: number;
  height: number;
};

/** Resizes `canvas` to the image and draws it 1:1 (scale with CSS `image-rendering: pixelated`). */
export function drawRgbaImage(canvas: HTMLCanvasElement | OffscreenCanvas, image: RgbaImage): void {
  const target = canvas as Canvas2D;
  target.width = image.width;
  target.height = image.height;
  const context = target.getContext('2d');
  if (!context) throw new Error('canvas has no 2d context');
  const pixels = new Uint8ClampedArray(image.data); // ImageData wants its own ArrayBuffer
  context.putImageData(new ImageData(pixels, image.width, image.height), 0, 0);
}

/** A PNG `data:` URI through a fresh canvas: the browser's `imageToDataUri` for `renderReportHtml`. */
export function rgbaToDataUri(image: RgbaImage): string {
  if (typeof document === 'undefined') {
    throw new Error('rgbaToDataUri needs a DOM; in Node use pngDataUri from @gsa/viz/node');
  }
  const canvas = document.createElement('canvas');
  drawRgbaImage(canvas, image);
  return canvas.toDataURL('image/png');
}
