// Per-image (local) attention beside the global map: the contrast the paper
// draws between its one map for every image and the maps VGG-att3 and the
// Residual Attention Network compute for each image anew.
import type * as tf from '@tensorflow/tfjs-core';
import {
  createRgbaImage,
  sideBySide,
  type ImageArray,
  type RgbaImage,
  type ScalarMap,
} from './image.js';
import { imageToRgba, overlayHeatmap, type OverlayOptions } from './overlay.js';

/** One level's attention map for one image, with what to call it (`'attn1.map'`, `'level 1 (32x32)'`). */
export interface LocalAttentionLevel {
  label: string;
  map: ScalarMap;
}

/** One image of a local-attention panel. */
export interface LocalAttentionRow {
  image: ImageArray;
  /** The global map (one for every image), shown after the image when given. */
  globalMap?: ScalarMap;
  /** This image's maps, finest level first. */
  levels: readonly LocalAttentionLevel[];
}

export interface LocalAttentionPanelOptions extends Omit<OverlayOptions, 'domain'> {
  /** Pixels between panels and between rows. Default 4. */
  gap?: number;
}

/**
 * One row: image | global map on it (when given) | each local map on it.
 * Every map is min-max normalised on its own (a softmax map over 32x32
 * positions has values near 1/1024, a sigmoid mask near 0.5: only the
 * pattern compares) and resized to the image (bilinear).
 */
export function renderLocalAttentionPanel(
  row: LocalAttentionRow,
  options: LocalAttentionPanelOptions = {},
): RgbaImage {
  if (row.levels.length === 0 && row.globalMap === undefined) {
    throw new RangeError('renderLocalAttentionPanel needs a global map or at least one local map');
  }
  const overlay: OverlayOptions = { ...options, opacity: options.opacity ?? 0.5 };
  const panels = [imageToRgba(row.image, { domain: options.imageDomain, scale: options.scale })];
  if (row.globalMap) panels.push(overlayHeatmap(row.image, row.globalMap, overlay));
  for (const level of row.levels) panels.push(overlayHeatmap(row.image, level.map, overlay));
  return sideBySide(panels, { gap: options.gap ?? 4 });
}

/** The captions of `renderLocalAttentionPanel`'s panels, left to right. */
export function localAttentionPanelCaptions(row: Omit<LocalAttentionRow, 'image'>): string[] {
  return [
    'image',
    ...(row.globalMap ? ['global map (every image)'] : []),
    ...row.levels.map((level) => `${level.label} (this image)`),
  ];
}

/** Stacks rows top to bottom, left-aligned, on a white background. */
function stackRows(rows: readonly RgbaImage[], gap: number): RgbaImage {
  const width = Math.max(...rows.map((row) => row.width));
  const height = rows.reduce((sum, row) => sum + row.height, 0) + gap * (rows.length - 1);
  const out = createRgbaImage(width, height, [255, 255, 255, 255]);
  let top = 0;
  for (const row of rows) {
    for (let y = 0; y < row.height; y++) {
      out.data.set(
        row.data.subarray(y * row.width * 4, (y + 1) * row.width * 4),
        (top + y) * width * 4,
      );
    }
    top += row.height + gap;
  }
  return out;
}

/**
 * A few test images, one per row (image | global map | local maps), as one
 * PNG-ready raster: write it with `writePng` from `@gsa/viz/node`.
 */
export function renderLocalAttentionGrid(
  rows: readonly LocalAttentionRow[],
  options: LocalAttentionPanelOptions = {},
): RgbaImage {
  if (rows.length === 0) throw new RangeError('renderLocalAttentionGrid needs at least one row');
  return stackRows(
    rows.map((row) => renderLocalAttentionPanel(row, options)),
    options.gap ?? 4,
  );
}

/**
 * Image `index`'s maps from per-batch map tensors `[N, h, w]`, such as
 * `localAttentionMaps(model, images)` of `@gsa/backbones` returns (each
 * `{ layerName, maps }`). Reads asynchronously; disposes nothing.
 */
export async function localAttentionLevelsForImage(
  levels: readonly { layerName: string; maps: tf.Tensor }[],
  index: number,
): Promise<LocalAttentionLevel[]> {
  return Promise.all(
    levels.map(async ({ layerName, maps }) => {
      if (maps.rank !== 3) {
        throw new RangeError(
          `${layerName}: expected maps [N, h, w], got [${maps.shape.join(', ')}]`,
        );
      }
      const [count, height, width] = maps.shape as [number, number, number];
      if (!Number.isInteger(index) || index < 0 || index >= count) {
        throw new RangeError(`${layerName}: image index ${index} is outside 0..${count - 1}`);
      }
      const all = await maps.data();
      const size = height * width;
      return {
        label: layerName,
        map: {
          height,
          width,
          values: Float32Array.from(all.subarray(index * size, (index + 1) * size)),
        },
      };
    }),
  );
}
