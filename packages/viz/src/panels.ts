// Ready-made figures built from the primitives: the paper's Fig. 4 (the map
// before and after learning) and "where the model looks for every image" next
// to "what drove this prediction".
import { renderColorBar, renderHeatmap, valueRange, type HeatmapOptions } from './heatmap.js';
import { sideBySide, type ImageArray, type RgbaImage, type ScalarMap } from './image.js';
import { imageToRgba, overlayHeatmap, type OverlayOptions } from './overlay.js';

export interface BeforeAfterOptions extends Omit<HeatmapOptions, 'domain'> {
  /** Shared normalisation; default the union of both maps' ranges, so they compare. */
  domain?: readonly [number, number];
  /** Also show both maps over this image (the mean training image), after the bare maps. */
  backdrop?: ImageArray;
  /** Opacity of the overlays on the backdrop. Default 0.5. */
  opacity?: number;
  gap?: number;
}

/** Before | after (| before on backdrop | after on backdrop) | colour bar, on one scale. */
export function renderBeforeAfter(
  before: ScalarMap,
  after: ScalarMap,
  options: BeforeAfterOptions = {},
): RgbaImage {
  const ranges = [valueRange(before.values), valueRange(after.values)];
  const domain = options.domain ?? [
    Math.min(ranges[0]![0], ranges[1]![0]),
    Math.max(ranges[0]![1], ranges[1]![1]),
  ];
  const heat = { ...options, domain };
  const panels = [renderHeatmap(before, heat), renderHeatmap(after, heat)];
  if (options.backdrop) {
    const overlay: OverlayOptions = { ...heat, opacity: options.opacity ?? 0.5 };
    panels.push(
      overlayHeatmap(options.backdrop, before, overlay),
      overlayHeatmap(options.backdrop, after, overlay),
    );
  }
  panels.push(
    renderColorBar({
      colormap: options.colormap,
      darkerIsMoreImportant: options.darkerIsMoreImportant,
      length: panels[0]!.height,
      thickness: Math.max(4, Math.round(panels[0]!.width / 16)),
    }),
  );
  return sideBySide(panels, { gap: options.gap ?? 4 });
}

export interface MapAndGradCamOptions extends Omit<OverlayOptions, 'domain'> {
  gap?: number;
}

/**
 * Image | global map on it | Grad-CAM on it. The global map is min-max
 * normalised; Grad-CAM is already in [0,1] and is shown on that scale.
 */
export function renderMapAndGradCam(
  image: ImageArray,
  globalMap: ScalarMap,
  gradCamMap: ScalarMap,
  options: MapAndGradCamOptions = {},
): RgbaImage {
  const overlay: OverlayOptions = { ...options, opacity: options.opacity ?? 0.5 };
  return sideBySide(
    [
      imageToRgba(image, { domain: options.imageDomain, scale: options.scale }),
      overlayHeatmap(image, globalMap, overlay),
      overlayHeatmap(image, gradCamMap, { ...overlay, domain: [0, 1] }),
    ],
    { gap: options.gap ?? 4 },
  );
}
