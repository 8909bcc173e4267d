import { colormapHex, colormapIndex, colormapTable, type ColormapName } from './colormap.js';
import {
  checkScalarMap,
  checkScale,
  createRgbaImage,
  upscaleNearest,
  type RgbaImage,
  type ScalarMap,
} from './image.js';

export interface NormalizeOptions {
  /**
   * The values that map to 0 and 1. Default: the map's own min and max (min-max
   * normalisation). Pass `[0, 1]` to show a sigmoid map on its absolute scale.
   */
  domain?: readonly [number, number];
}

/** The [min, max] of the finite values (NaN and infinities ignored); [0, 0] when none. */
export function valueRange(values: ArrayLike<number>): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (!Number.isFinite(value)) continue;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return min <= max ? [min, max] : [0, 0];
}

/**
 * Checks a `[low, high]` option (`name` says which): two finite numbers, low <=
 * high. A reversed domain would silently invert the map's meaning.
 */
export function checkDomain(domain: readonly [number, number] | undefined, name = 'domain'): void {
  if (domain === undefined) return;
  const [low, high] = domain;
  if (domain.length !== 2 || !Number.isFinite(low) || !Number.isFinite(high)) {
    throw new RangeError(
      `${name} must be two finite numbers [low, high], got [${Array.from(domain).join(', ')}]`,
    );
  }
  if (low > high) {
    throw new RangeError(
      `${name} [${low}, ${high}] is reversed: give [low, high] with low <= high (use darkerIsMoreImportant to flip the colours)`,
    );
  }
}

/**
 * Values rescaled to [0,1] and clipped. A constant map (max = min) becomes all
 * zeros: it has no contrast to show. NaN stays NaN (rendered transparent).
 */
export function normalizeMap(map: ScalarMap, options: NormalizeOptions = {}): Float32Array {
  checkScalarMap(map);
  checkDomain(options.domain);
  const [low, high] = options.domain ?? valueRange(map.values);
  const span = high - low;
  const out = new Float32Array(map.values.length);
  for (let index = 0; index < out.length; index++) {
    const value = map.values[index]!;
    if (Number.isNaN(value)) out[index] = Number.NaN;
    else out[index] = span > 0 ? Math.min(1, Math.max(0, (value - low) / span)) : 0;
  }
  return out;
}

export interface HeatmapOptions extends NormalizeOptions {
  /** Default 'viridis'. The paper's figures are `{ colormap: 'gray', darkerIsMoreImportant: true }`. */
  colormap?: ColormapName;
  /**
   * Reverse the colormap so that 1 (most important) is its darkest colour, as in
   * the paper's figures. Default false: brighter means more important.
   */
  darkerIsMoreImportant?: boolean;
  /** Whole-pixel nearest-neighbour upscaling factor. Default 1. */
  scale?: number;
}

/** The rule shared by heatmaps and colour bars: t in [0,1] -> colormap position. */
export function colormapPosition(t: number, darkerIsMoreImportant: boolean): number {
  return darkerIsMoreImportant ? 1 - t : t;
}

/**
 * The map as RGBA bytes: normalised to [0,1], then looked up in a 256-entry
 * colormap. Pure, so Node (PNG) and the browser (canvas) render the same pixels.
 */
export function renderHeatmap(map: ScalarMap, options: HeatmapOptions = {}): RgbaImage {
  const scale = checkScale(options.scale);
  const normalized = normalizeMap(map, options);
  const table = colormapTable(options.colormap ?? 'viridis');
  const darker = options.darkerIsMoreImportant ?? false;
  const image = createRgbaImage(map.width, map.height);
  for (let index = 0; index < normalized.length; index++) {
    const t = normalized[index]!;
    if (Number.isNaN(t)) continue; // stays transparent
    const entry = colormapIndex(colormapPosition(t, darker)) * 3;
    image.data[index * 4] = table[entry]!;
    image.data[index * 4 + 1] = table[entry + 1]!;
    image.data[index * 4 + 2] = table[entry + 2]!;
    image.data[index * 4 + 3] = 255;
  }
  return upscaleNearest(image, scale);
}

export interface ColorBarOptions {
  colormap?: ColormapName;
  darkerIsMoreImportant?: boolean;
  /** Pixels along the bar. Default 256 (one pixel per table entry). */
  length?: number;
  /** Pixels across the bar. Default 16. */
  thickness?: number;
  /** Default 'vertical', with 1 at the top. */
  orientation?: 'vertical' | 'horizontal';
}

/** A colour bar raster: 0 at the bottom (left), 1 at the top (right). */
export function renderColorBar(options: ColorBarOptions = {}): RgbaImage {
  const length = options.length ?? 256;
  const thickness = options.thickness ?? 16;
  const vertical = (options.orientation ?? 'vertical') === 'vertical';
  const table = colormapTable(options.colormap ?? 'viridis');
  const darker = options.darkerIsMoreImportant ?? false;
  const image = vertical ? createRgbaImage(thickness, length) : createRgbaImage(length, thickness);
  for (let step = 0; step < length; step++) {
    const t = length === 1 ? 1 : step / (length - 1);
    const entry = colormapIndex(colormapPosition(t, darker)) * 3;
    for (let across = 0; across < thickness; across++) {
      const x = vertical ? across : step;
      const y = vertical ? length - 1 - step : across;
      const offset = (y * image.width + x) * 4;
      image.data[offset] = table[entry]!;
      image.data[offset + 1] = table[entry + 1]!;
      image.data[offset + 2] = table[entry + 2]!;
      image.data[offset + 3] = 255;
    }
  }
  return image;
}

export interface ColorBarSvgOptions extends ColorBarOptions {
  /** The values at the ends of the bar (the map's normalisation domain). Default [0, 1]. */
  domain?: readonly [number, number];
  /** Caption beside the bar. */
  label?: string;
}

function formatTick(value: number): string {
  return Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3)
    ? value.toExponential(2)
    : String(Number(value.toPrecision(3)));
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const DEFAULT_BAR_THICKNESS = 14;

/** Width of `renderColorBarSvg`'s drawing: the bar, its labels and the caption. */
function colorBarSvgWidth(thickness: number): number {
  return thickness + 56;
}

/** A vertical colour bar with its end values labelled, as standalone SVG (for reports). */
export function renderColorBarSvg(options: ColorBarSvgOptions = {}): string {
  const length = options.length ?? 200;
  const thickness = options.thickness ?? DEFAULT_BAR_THICKNESS;
  const colormap = options.colormap ?? 'viridis';
  const darker = options.darkerIsMoreImportant ?? false;
  checkDomain(options.domain);
  const [low, high] = options.domain ?? [0, 1];
  const steps = 64;
  const stripe = length / steps;
  const rects: string[] = [];
  for (let step = 0; step < steps; step++) {
    const t = (step + 0.5) / steps;
    const y = length - (step + 1) * stripe + 4;
    rects.push(
      `<rect x="0" y="${y.toFixed(2)}" width="${thickness}" height="${(stripe + 0.5).toFixed(2)}" fill="${colormapHex(colormap, colormapPosition(t, darker))}"/>`,
    );
  }
  const label = options.label
    ? `<text x="${thickness + 44}" y="${length / 2 + 4}" font-size="11" transform="rotate(90 ${thickness + 44} ${length / 2 + 4})" text-anchor="middle">${escapeXml(options.label)}</text>`
    : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${colorBarSvgWidth(thickness)}" height="${length + 8}" font-family="sans-serif" role="img">` +
    rects.join('') +
    `<rect x="0" y="4" width="${thickness}" height="${length}" fill="none" stroke="#444" stroke-width="0.5"/>` +
    `<text x="${thickness + 4}" y="12" font-size="11">${escapeXml(formatTick(high))}</text>` +
    `<text x="${thickness + 4}" y="${length + 4}" font-size="11">${escapeXml(formatTick(low))}</text>` +
    label +
    `</svg>`
  );
}

export interface HeatmapSvgOptions extends Omit<HeatmapOptions, 'scale'> {
  /**
   * Turns the heatmap raster into a `data:` URI: `pngDataUri` from
   * `@gsa/viz/node`, `rgbaToDataUri` from `@gsa/viz/browser`.
   */
  imageToDataUri: (image: RgbaImage) => string;
  /** Height the map is drawn at, in SVG pixels (crisp: no smoothing). Default max(200, map height). */
  displayHeight?: number;
}

/**
 * The heatmap with a colour bar whose ends are labelled with the values they
 * stand for (the normalisation domain: the map's min and max by default), as
 * one standalone SVG file. The raster is embedded as a PNG `data:` URI.
 */
export function renderHeatmapSvg(map: ScalarMap, options: HeatmapSvgOptions): string {
  checkScalarMap(map);
  checkDomain(options.domain);
  const domain = options.domain ?? valueRange(map.values);
  const darker = options.darkerIsMoreImportant ?? false;
  const heatmap = renderHeatmap(map, {
    colormap: options.colormap,
    darkerIsMoreImportant: darker,
    domain,
  });
  const height = options.displayHeight ?? Math.max(200, map.height);
  if (!(height > 0)) throw new RangeError(`displayHeight must be positive, got ${height}`);
  const width = Math.round((height * map.width) / map.height);
  const gap = 8;
  const bar = renderColorBarSvg({
    colormap: options.colormap,
    darkerIsMoreImportant: darker,
    domain,
    length: height,
    label: darker ? 'darker = more important' : 'brighter = more important',
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width + gap + colorBarSvgWidth(DEFAULT_BAR_THICKNESS)}" height="${height + 8}" role="img">` +
    `<image x="0" y="4" width="${width}" height="${height}" preserveAspectRatio="none" image-rendering="optimizeSpeed" style="image-rendering:pixelated" xlink:href="${options.imageToDataUri(heatmap)}"/>` +
    `<g transform="translate(${width + gap} 0)">${bar}</g>` +
    `</svg>`
  );
}

export interface HeatmapWithColorBarOptions extends HeatmapOptions {
  /** Width of the bar in pixels. Default 12. */
  barThickness?: number;
  /** Pixels between map and bar. Default 4. */
  gap?: number;
}

/** The heatmap with its colour bar on the right, same height, as one raster (for PNG files). */
export function renderHeatmapWithColorBar(
  map: ScalarMap,
  options: HeatmapWithColorBarOptions = {},
): RgbaImage {
  const heatmap = renderHeatmap(map, options);
  const bar = renderColorBar({
    colormap: options.colormap,
    darkerIsMoreImportant: options.darkerIsMoreImportant,
    length: heatmap.height,
    thickness: options.barThickness ?? 12,
  });
  const gap = options.gap ?? 4;
  const out = createRgbaImage(
    heatmap.width + gap + bar.width,
    heatmap.height,
    [255, 255, 255, 255],
  );
  for (let y = 0; y < heatmap.height; y++) {
    out.data.set(
      heatmap.data.subarray(y * heatmap.width * 4, (y + 1) * heatmap.width * 4),
      y * out.width * 4,
    );
    out.data.set(
      bar.data.subarray(y * bar.width * 4, (y + 1) * bar.width * 4),
      (y * out.width + heatmap.width + gap) * 4,
    );
  }
  return out;
}
