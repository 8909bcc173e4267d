// @gsa/viz: runs in Node and the browser alike (no DOM, no Node built-ins here).
// File writing lives in '@gsa/viz/node', canvas drawing in '@gsa/viz/browser'.
export type { ImageArray, RgbaImage, ScalarMap, SideBySideOptions } from './image.js';
export { createRgbaImage, sideBySide, upscaleNearest } from './image.js';
export { COLORMAP_NAMES, colormapHex, colormapTable, type ColormapName } from './colormap.js';
export {
  normalizeMap,
  renderColorBar,
  renderColorBarSvg,
  renderHeatmap,
  renderHeatmapSvg,
  renderHeatmapWithColorBar,
  valueRange,
  type ColorBarOptions,
  type ColorBarSvgOptions,
  type HeatmapOptions,
  type HeatmapSvgOptions,
  type HeatmapWithColorBarOptions,
  type NormalizeOptions,
} from './heatmap.js';
export {
  imageToRgba,
  meanImage,
  overlayHeatmap,
  resizeMap,
  type ImageToRgbaOptions,
  type OverlayOptions,
} from './overlay.js';
export {
  confusionMatrixSpec,
  renderChartSvg,
  sensitivitySpec,
  trainingCurvesSpec,
  type ChartSpec,
  type ConfusionMatrixOptions,
  type EpochRecord,
  type SensitivityParameter,
  type SensitivityRecord,
  type TrainingCurvesOptions,
} from './charts.js';
export {
  renderBeforeAfter,
  renderMapAndGradCam,
  type BeforeAfterOptions,
  type MapAndGradCamOptions,
} from './panels.js';
export { imageArrayFromTensor, scalarMapFromTensor } from './tensors.js';
export { gradCam, layerNames, type GradCamOptions, type GradCamResult } from './grad-cam.js';
export {
  renderReportHtml,
  type PerClassMetrics,
  type RenderReportOptions,
  type ReportExample,
  type RunReport,
} from './report.js';
export {
  localAttentionLevelsForImage,
  localAttentionPanelCaptions,
  renderLocalAttentionGrid,
  renderLocalAttentionPanel,
  type LocalAttentionLevel,
  type LocalAttentionPanelOptions,
  type LocalAttentionRow,
} from './local-maps.js';
