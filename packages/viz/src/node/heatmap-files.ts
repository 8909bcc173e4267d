import {
  renderHeatmap,
  renderHeatmapWithColorBar,
  type HeatmapWithColorBarOptions,
} from '../heatmap.js';
import { checkScalarMap, type ScalarMap } from '../image.js';
import { writeNpy, writePng } from './files.js';

export interface WriteMapOptions extends HeatmapWithColorBarOptions {
  /** A bare heatmap, no colour bar. Default false. */
  withoutColorBar?: boolean;
}

/**
 * The map as `<basePath>.png` (normalised, coloured, with its colour bar) and
 * its raw values as `<basePath>.npy` (float32, shape [height, width]).
 * Returns the two paths.
 */
export async function writeAttentionMap(
  basePath: string,
  map: ScalarMap,
  options: WriteMapOptions = {},
): Promise<{ png: string; npy: string }> {
  checkScalarMap(map);
  const png = `${basePath}.png`;
  const npy = `${basePath}.npy`;
  const image = options.withoutColorBar
    ? renderHeatmap(map, options)
    : renderHeatmapWithColorBar(map, options);
  await writePng(png, image);
  await writeNpy(npy, map.values, [map.height, map.width]);
  return { png, npy };
}
