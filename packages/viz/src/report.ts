// report.html: one self-contained page per run. Everything is inlined (SVG
// charts, PNGs as data: URIs, CSS) and a Content-Security-Policy forbids any
// request, so the file opens offline, from an e-mail, from a CI artifact.
import {
  confusionMatrixSpec,
  renderChartSvg,
  sensitivitySpec,
  trainingCurvesSpec,
  type EpochRecord,
  type SensitivityRecord,
} from './charts.js';
import type { ColormapName } from './colormap.js';
import { escapeXml, renderColorBarSvg, renderHeatmap, valueRange } from './heatmap.js';
import type { ImageArray, RgbaImage, ScalarMap } from './image.js';
import type { LocalAttentionLevel } from './local-maps.js';
import { perClassMetrics, type ClassMetrics } from '@gsa/eval';
import { checkOpacity, imageToRgba, overlayHeatmap } from './overlay.js';

/** Metrics of one class (@gsa/eval's); computed from the confusion matrix when a report has none. */
export interface PerClassMetrics extends ClassMetrics {
  readonly className: string;
}

/** One test image shown with the global map and what drove its prediction. */
export interface ReportExample {
  caption: string;
  image: ImageArray;
  /** Grad-CAM for this image (any resolution; resized to the image). */
  gradCam?: ScalarMap;
  trueClass?: number;
  predictedClass?: number;
  /**
   * This image's own attention maps from a local-attention backbone
   * (VGG-att3, ResAttNet; finest level first), shown in a section of their
   * own beside the global map. Each is normalised on its own.
   */
  localMaps?: readonly LocalAttentionLevel[];
}

/** Everything `renderReportHtml` shows. Plain data: JSON-serialisable apart from typed arrays. */
export interface RunReport {
  title: string;
  /** ISO 8601 time of the run. */
  createdAt?: string;
  /**
   * The run's configuration as given (model, data, K, lambda, E, ...), shown as a
   * nested table. Any JSON-like object (a typed config interface is fine);
   * `undefined` entries and functions are left out.
   */
  configuration: object;
  /** Headline numbers, e.g. `{ 'test accuracy': 0.664, 'epochs': 250 }`. */
  summary: { [name: string]: number | string };
  classNames: readonly string[];
  /** One record per epoch, both phases. */
  history?: readonly EpochRecord[];
  /** E, the last epoch of phase 1. Default: the last phase-1 record in `history`. */
  cutoffEpoch?: number;
  /** `confusionMatrix[true][predicted]`: counts on the test set. */
  confusionMatrix?: readonly (readonly number[])[];
  /** Per-class metrics; computed from `confusionMatrix` when absent. */
  perClass?: readonly PerClassMetrics[];
  /** The learned global map M(P), `[height, width]` (after learning). */
  attentionMap?: ScalarMap;
  /** The map at initialisation (before learning), for the side-by-side panel. */
  attentionMapBefore?: ScalarMap;
  /**
   * How decided the learned map is (e.g. `mapStatistics` of @gsa/attention):
   * shown beside the colour bar, which stretches over the maps' own range and
   * so makes a map that hardly left 0.5 look contrasted.
   */
  attentionMapDecision?: { spread: number; fractionBelow: number; fractionAbove: number };
  /** The mean training image the map is overlaid on. */
  meanImage?: ImageArray;
  /** How alike this run's map is to those of sibling runs (other seeds, same settings). */
  mapStability?: { runs: readonly string[]; text: string };
  /**
   * Does one map fit this data: the structure check of the training images
   * (`checkStructure` of @gsa/data), its per-pixel mean and standard
   * deviation shown as images, and what the verdict means.
   */
  layout?: {
    verdict: 'aligned' | 'roughly aligned' | 'not aligned';
    /** The measurements in one line (shift, correlation with the mean). */
    text: string;
    advice: string;
    meanImage: ImageArray;
    stdImage: ImageArray;
  };
  examples?: readonly ReportExample[];
  /** The layer the examples' Grad-CAM explains (named in the examples section). */
  gradCamLayer?: string;
  /** Results of a sensitivity study over K, lambda and E. */
  sensitivity?: readonly SensitivityRecord[];
  display?: {
    colormap?: ColormapName;
    darkerIsMoreImportant?: boolean;
    /** Opacity of map overlays. Default 0.5. */
    overlayOpacity?: number;
  };
}

export interface RenderReportOptions {
  /**
   * Turns a raster into a `data:` URI. In Node use `pngDataUri` from
   * `@gsa/viz/node`; in the browser `rgbaToDataUri` from `@gsa/viz/browser`.
   */
  imageToDataUri: (image: RgbaImage) => string;
}

const escapeHtml = escapeXml;

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  if (Math.abs(value) >= 1e4 || Math.abs(value) < 1e-3) {
    return value.toExponential(3).replace(/\.?0+e/, 'e'); // 1.000e-4 -> 1e-4
  }
  return String(Number(value.toPrecision(4)));
}

function formatValue(value: unknown): string {
  if (value === null) return '<span class="muted">null</span>';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint') {
    return escapeHtml(String(value));
  }
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const items = Array.from(value as ArrayLike<unknown>);
    return items.length > 32
      ? `<span class="muted">[${items.length} values]</span>`
      : escapeHtml(JSON.stringify(items));
  }
  if (value instanceof Date) return escapeHtml(value.toISOString());
  return typeof value === 'object' ? configurationTable(value) : '';
}

function configurationTable(configuration: object): string {
  const rows = Object.entries(configuration)
    .filter(([, value]) => value !== undefined && typeof value !== 'function')
    .map(
      ([key, value]) =>
        `<tr><th scope="row">${escapeHtml(key)}</th><td>${formatValue(value)}</td></tr>`,
    )
    .join('');
  return `<table class="keys">${rows}</table>`;
}

function figure(dataUri: string, caption: string, width: number): string {
  return `<figure><img src="${dataUri}" width="${width}" alt="${escapeHtml(caption)}"><figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

/** Display width for a raster: small maps are shown enlarged, pixelated. */
function displayWidth(image: { width: number; height: number }): number {
  return Math.max(160, Math.min(256, image.width * Math.ceil(160 / Math.max(1, image.width))));
}

const styles = `
:root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1b1b; background: #fff; }
body { max-width: 1100px; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
.muted { color: #777; }
.warning { color: #8a3b00; background: #fff4e5; border-left: 3px solid #e08a00; padding: 0.3rem 0.6rem; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9rem; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
table.keys table.keys { margin: 0; }
.summary { display: flex; flex-wrap: wrap; gap: 0.75rem; }
.summary div { border: 1px solid #ddd; border-radius: 6px; padding: 0.5rem 0.9rem; min-width: 8rem; }
.summary strong { display: block; font-size: 1.3rem; }
.row { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 1rem; }
figure { margin: 0; } figcaption { font-size: 0.85rem; color: #555; text-align: center; }
img { image-rendering: pixelated; display: block; border: 1px solid #ddd; }
.chart svg { max-width: 100%; height: auto; }
`;

/**
 * The run as one self-contained HTML page: configuration, summary numbers,
 * training curves, the maps (before / after learning, on the mean image, with
 * Grad-CAM for examples), the confusion matrix and the per-class table.
 */
export async function renderReportHtml(
  report: RunReport,
  options: RenderReportOptions,
): Promise<string> {
  const toUri = options.imageToDataUri;
  const colormap = report.display?.colormap ?? 'viridis';
  const darkerIsMoreImportant = report.display?.darkerIsMoreImportant ?? false;
  const opacity = checkOpacity(report.display?.overlayOpacity, 'display.overlayOpacity');
  const sections: string[] = [];

  const summary = Object.entries(report.summary)
    .map(
      ([name, value]) =>
        `<div>${escapeHtml(name)}<strong>${typeof value === 'number' ? formatNumber(value) : escapeHtml(value)}</strong></div>`,
    )
    .join('');
  sections.push(
    `<section id="summary"><h2>Summary</h2><div class="summary">${summary}</div></section>`,
  );
  sections.push(
    `<section id="configuration"><h2>Configuration</h2>${configurationTable(report.configuration)}</section>`,
  );

  if (report.layout) {
    const { verdict, text, advice, meanImage, stdImage } = report.layout;
    const mean = imageToRgba(meanImage);
    const spread = imageToRgba(stdImage);
    sections.push(
      `<section id="layout"><h2>Does one map fit this data?</h2>` +
        `<p${verdict === 'aligned' ? '' : ' class="warning"'}>Layout of the training images: ${escapeHtml(text)}. ${escapeHtml(advice.charAt(0).toUpperCase() + advice.slice(1))}</p>` +
        `<div class="row">${figure(toUri(mean), 'per-pixel mean', displayWidth(mean))}${figure(toUri(spread), 'per-pixel standard deviation', displayWidth(spread))}</div></section>`,
    );
  }

  if (report.history && report.history.length > 0) {
    const svg = await renderChartSvg(
      trainingCurvesSpec(report.history, { cutoffEpoch: report.cutoffEpoch }),
    );
    sections.push(
      `<section id="curves"><h2>Training curves</h2><div class="chart">${svg}</div></section>`,
    );
  }

  if (report.attentionMap) {
    const map = report.attentionMap;
    const heat = { colormap, darkerIsMoreImportant };
    const figures: string[] = [];
    // Before and after share one scale (the union of their ranges) so they compare.
    const maps = [report.attentionMapBefore, map].filter(
      (entry): entry is ScalarMap => entry !== undefined,
    );
    const ranges = maps.map((entry) => valueRange(entry.values));
    const domain: [number, number] = [
      Math.min(...ranges.map((r) => r[0])),
      Math.max(...ranges.map((r) => r[1])),
    ];
    if (report.attentionMapBefore) {
      const before = renderHeatmap(report.attentionMapBefore, { ...heat, domain });
      figures.push(figure(toUri(before), 'before learning', displayWidth(before)));
    }
    const after = renderHeatmap(map, { ...heat, domain });
    figures.push(
      figure(
        toUri(after),
        report.attentionMapBefore ? 'after learning' : 'learned map',
        displayWidth(after),
      ),
    );
    figures.push(
      `<figure class="colorbar">${renderColorBarSvg({ ...heat, domain, length: displayWidth(after) - 8, label: darkerIsMoreImportant ? 'darker = more important' : 'brighter = more important' })}</figure>`,
    );
    if (report.meanImage) {
      const mean = imageToRgba(report.meanImage);
      figures.push(figure(toUri(mean), 'mean training image', displayWidth(mean)));
      const overlay = overlayHeatmap(report.meanImage, map, { ...heat, domain, opacity });
      figures.push(figure(toUri(overlay), 'map on the mean image', displayWidth(overlay)));
    }
    const stability = report.mapStability
      ? `<p id="map-stability">Map stability with the sibling runs ${report.mapStability.runs.map((run) => `<code>${escapeHtml(run)}</code>`).join(', ')} (other seeds, same settings): ${escapeHtml(report.mapStability.text)}.</p>`
      : '';
    sections.push(
      `<section id="maps"><h2>Global attention map</h2><p class="muted">${map.height}&times;${map.width}, values ${formatNumber(domain[0])} to ${formatNumber(domain[1])}; one map for every image.</p>${decisionParagraph(report.attentionMapDecision)}${stability}<div class="row">${figures.join('')}</div></section>`,
    );
  }

  if (report.examples && report.examples.length > 0) {
    const rows = report.examples.map((example) => {
      const parts = [
        figure(toUri(imageToRgba(example.image)), 'image', displayWidth(example.image)),
      ];
      if (report.attentionMap) {
        const overlay = overlayHeatmap(example.image, report.attentionMap, {
          colormap,
          darkerIsMoreImportant,
          opacity,
        });
        parts.push(figure(toUri(overlay), 'global map (every image)', displayWidth(overlay)));
      }
      if (example.gradCam) {
        const overlay = overlayHeatmap(example.image, example.gradCam, {
          colormap,
          darkerIsMoreImportant,
          opacity,
          domain: [0, 1],
        });
        parts.push(figure(toUri(overlay), 'Grad-CAM (this prediction)', displayWidth(overlay)));
      }
      const name = (index: number | undefined) =>
        index === undefined ? '?' : escapeHtml(report.classNames[index] ?? String(index));
      const labels =
        example.trueClass !== undefined || example.predictedClass !== undefined
          ? ` <span class="muted">(true: ${name(example.trueClass)}, predicted: ${name(example.predictedClass)})</span>`
          : '';
      return `<h3>${escapeHtml(example.caption)}${labels}</h3><div class="row">${parts.join('')}</div>`;
    });
    const layerNote = report.gradCamLayer
      ? `<p class="muted">Grad-CAM of the predicted class at layer <code>${escapeHtml(report.gradCamLayer)}</code>.</p>`
      : '';
    sections.push(
      `<section id="examples"><h2>Examples: global map and Grad-CAM</h2>${layerNote}${rows.join('')}</section>`,
    );
  }

  const withLocalMaps = (report.examples ?? []).filter(
    (example) => example.localMaps !== undefined && example.localMaps.length > 0,
  );
  if (withLocalMaps.length > 0) {
    const overlay = { colormap, darkerIsMoreImportant, opacity };
    const rows = withLocalMaps.map((example) => {
      const parts = [
        figure(toUri(imageToRgba(example.image)), 'image', displayWidth(example.image)),
      ];
      if (report.attentionMap) {
        const global = overlayHeatmap(example.image, report.attentionMap, overlay);
        parts.push(figure(toUri(global), 'global map (every image)', displayWidth(global)));
      }
      for (const level of example.localMaps!) {
        const local = overlayHeatmap(example.image, level.map, overlay);
        parts.push(
          figure(
            toUri(local),
            `${level.label} (${level.map.height}\u00d7${level.map.width}, this image)`,
            displayWidth(local),
          ),
        );
      }
      return `<h3>${escapeHtml(example.caption)}</h3><div class="row">${parts.join('')}</div>`;
    });
    sections.push(
      `<section id="local-maps"><h2>Per-image attention beside the global map</h2><p class="muted">A local-attention network computes new maps for every image; the global map is the same for all. Each map is normalised on its own.</p>${rows.join('')}</section>`,
    );
  }

  if (report.confusionMatrix) {
    const svg = await renderChartSvg(
      confusionMatrixSpec(report.confusionMatrix, report.classNames),
    );
    sections.push(
      `<section id="confusion"><h2>Confusion matrix</h2><div class="chart">${svg}</div></section>`,
    );
  }

  const perClass =
    report.perClass ??
    (report.confusionMatrix
      ? perClassMetrics(report.confusionMatrix).map((metrics, index) => ({
          className: report.classNames[index] ?? String(index),
          ...metrics,
        }))
      : undefined);
  if (perClass) {
    const percent = (value: number) => `<td class="number">${(value * 100).toFixed(1)}%</td>`;
    const rows = perClass
      .map(
        (row) =>
          `<tr><th scope="row">${escapeHtml(row.className)}</th><td class="number">${row.support}</td>${percent(row.precision)}${percent(row.recall)}${percent(row.specificity)}${percent(row.f1)}</tr>`,
      )
      .join('');
    sections.push(
      `<section id="per-class"><h2>Per class</h2><table><thead><tr><th>class</th><th>support</th><th>precision</th><th>recall</th><th>specificity</th><th>F1</th></tr></thead><tbody>${rows}</tbody></table></section>`,
    );
  }

  if (report.sensitivity && report.sensitivity.length > 0) {
    const svg = await renderChartSvg(sensitivitySpec(report.sensitivity));
    sections.push(
      `<section id="sensitivity"><h2>Sensitivity</h2><div class="chart">${svg}</div></section>`,
    );
  }

  const created = report.createdAt ? `<p class="muted">${escapeHtml(report.createdAt)}</p>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(report.title)}</title>
<style>${styles}</style>
</head>
<body>
<h1>${escapeHtml(report.title)}</h1>
${created}
${sections.join('\n')}
</body>
</html>
`;
}

/** Below this spread (95th - 5th percentile) a map has not decided which pixels matter. */
const FLAT_SPREAD = 0.1;

function decisionParagraph(decision: RunReport['attentionMapDecision']): string {
  if (!decision) return '';
  const percent = (fraction: number) => `${Math.round(fraction * 100)}%`;
  const facts =
    `Spread (95th &minus; 5th percentile) ${decision.spread.toFixed(2)}; ` +
    `${percent(decision.fractionBelow)} of pixels below 0.1, ${percent(decision.fractionAbove)} above 0.9. ` +
    'The colour bar spans the maps&rsquo; own range, not 0 to 1.';
  return decision.spread < FLAT_SPREAD
    ? `<p class="warning" id="map-decision">${facts} <strong>The map is flat:</strong> it hardly changes the images the backbone sees. Try a larger map learning rate (<code>--map-learning-rate</code>), more phase-1 epochs or a smaller lambda.</p>`
    : `<p class="muted" id="map-decision">${facts}</p>`;
}
