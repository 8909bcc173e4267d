import {
  renderHeatmap,
  renderHeatmapSvg,
  renderHeatmapWithColorBar,
  type HeatmapWithColorBarOptions,
} from '../heatmap.js';
import { checkScalarMap, type ScalarMap } from '../image.js';
import { pngDataUri, writeFileAtomic, writeNpy, writePng } from './files.js';

export interface WriteMapOptions extends HeatmapWithColorBarOptions {
  /** A bare heatmap in the PNG, no colour bar (the SVG always has its labelled bar). Default false. */
  withoutColorBar?: boolean;
}

/**
 * The map as `<basePath>.png` (normalised, coloured, with its colour bar),
 * `<basePath>.svg` (the same heatmap beside a colour bar labelled with the
 * values at its ends: the map's min and max, or `domain`) and its raw values
 * as `<basePath>.npy` (float32, shape [height, width]). Each file is written
 * atomically. Returns the three paths.
 */
export async function writeAttentionMap(
  basePath: string,
  map: ScalarMap,
  options: WriteMapOptions = {},
): Promise<{ png: string; svg: string; npy: string }> {
  checkScalarMap(map);
  const png = `${basePath}.png`;
  const svg = `${basePath}.svg`;
  const npy = `${basePath}.npy`;
  const image = options.withoutColorBar
    ? renderHeatmap(map, options)
    : renderHeatmapWithColorBar(map, options);
  const { scale: _scale, ...svgOptions } = options;
  const vector = renderHeatmapSvg(map, { ...svgOptions, imageToDataUri: pngDataUri });
  await writePng(png, image);
  await writeFileAtomic(svg, vector);
  await writeNpy(npy, map.values, [map.height, map.width]);
  return { png, svg, npy };
}
