import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import {
  localAttentionLevelsForImage,
  localAttentionPanelCaptions,
  renderLocalAttentionGrid,
  renderLocalAttentionPanel,
} from './local-maps.js';
import { renderReportHtml } from './report.js';
import { sampleRunReport } from './report.fixture.js';
import { decodePng, pngDataUri } from './node/files.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const pixel = (image: { width: number; data: Uint8ClampedArray }, x: number, y: number) =>
  Array.from(image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4));

const blackImage = { height: 4, width: 4, channels: 1 as const, values: new Float32Array(16) };
// A softmax map over 4x4 positions: tiny values that sum to 1, brightest at the top left.
const softmaxMap = {
  height: 4,
  width: 4,
  values: Float32Array.from({ length: 16 }, (_, i) => (i === 0 ? 0.25 : 0.75 / 15)),
};
const coarseMap = { height: 2, width: 2, values: [0.9, 0.5, 0.5, 0.5] };
const globalMap = { height: 4, width: 4, values: Float32Array.from({ length: 16 }, (_, i) => i) };

describe('local attention panels', () => {
  it('image | global map | each local map, every map on its own full scale', () => {
    const row = {
      image: blackImage,
      globalMap,
      levels: [
        { label: 'attn1.map', map: softmaxMap },
        { label: 'attn2.map', map: coarseMap },
      ],
    };
    const panel = renderLocalAttentionPanel(row, { colormap: 'gray', opacity: 1, gap: 1 });
    expect([panel.width, panel.height]).toEqual([4 * 4 + 3, 4]);
    expect(pixel(panel, 0, 0)).toEqual([0, 0, 0, 255]); // the image
    expect(pixel(panel, 5, 0)).toEqual([0, 0, 0, 255]); // global map: 0 at the top left
    expect(pixel(panel, 8, 3)).toEqual([255, 255, 255, 255]); // ... its maximum at the bottom right
    // The softmax map's 0.25 is its maximum: full white, although far below 1.
    expect(pixel(panel, 10, 0)).toEqual([255, 255, 255, 255]);
    expect(pixel(panel, 13, 3)).toEqual([0, 0, 0, 255]);
    // The 2x2 map is resized to the image: brightest at its top-left corner.
    expect(pixel(panel, 15, 0)[0]).toBe(255);
    expect(pixel(panel, 18, 3)[0]).toBe(0);
    expect(localAttentionPanelCaptions(row)).toEqual([
      'image',
      'global map (every image)',
      'attn1.map (this image)',
      'attn2.map (this image)',
    ]);
  });

  it('stacks a few images into one PNG-ready grid', () => {
    const rows = [
      { image: blackImage, globalMap, levels: [{ label: 'a', map: softmaxMap }] },
      { image: blackImage, levels: [{ label: 'a', map: coarseMap }] },
    ];
    const grid = renderLocalAttentionGrid(rows, { gap: 2 });
    expect([grid.width, grid.height]).toEqual([3 * 4 + 2 * 2, 4 + 2 + 4]);
    expect(pixel(grid, 15, 7)).toEqual([255, 255, 255, 255]); // the shorter second row is padded white
    const png = decodePng(Buffer.from(pngDataUri(grid).split(',')[1]!, 'base64'));
    expect([png.width, png.height]).toEqual([grid.width, grid.height]);
    expect(() => renderLocalAttentionGrid([])).toThrow(/at least one row/);
    expect(() => renderLocalAttentionPanel({ image: blackImage, levels: [] })).toThrow(
      /global map or at least one local map/,
    );
  });

  it("reads one image's maps from [N, h, w] tensors (localAttentionMaps' output)", async () => {
    const maps = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    const coarse = tf.tensor3d([0.1, 0.9], [2, 1, 1]);
    const levels = await localAttentionLevelsForImage(
      [
        { layerName: 'attn1.map', maps },
        { layerName: 'attn2.map', maps: coarse },
      ],
      1,
    );
    expect(levels.map((level) => [level.label, level.map.height, level.map.width])).toEqual([
      ['attn1.map', 2, 2],
      ['attn2.map', 1, 1],
    ]);
    expect(Array.from(levels[0]!.map.values)).toEqual([5, 6, 7, 8]);
    expect(Array.from(levels[1]!.map.values)).toEqual([Math.fround(0.9)]);
    await expect(localAttentionLevelsForImage([{ layerName: 'x', maps }], 2)).rejects.toThrow(
      /image index 2 is outside 0..1/,
    );
    const flat = tf.zeros([2, 4]);
    await expect(localAttentionLevelsForImage([{ layerName: 'x', maps: flat }], 0)).rejects.toThrow(
      /expected maps \[N, h, w\]/,
    );
    tf.dispose([maps, coarse, flat]);
  });
});

describe('the report with local maps', () => {
  it('adds a section of per-image maps beside the global map, only when examples carry them', async () => {
    const plain = sampleRunReport();
    const without = await renderReportHtml(plain, { imageToDataUri: pngDataUri });
    expect(without).not.toContain('id="local-maps"');

    const withMaps = {
      ...plain,
      examples: plain.examples!.map((example) => ({
        ...example,
        localMaps: [
          { label: 'attn1.map', map: softmaxMap },
          { label: 'attn3.map', map: coarseMap },
        ],
      })),
    };
    const html = await renderReportHtml(withMaps, { imageToDataUri: pngDataUri });
    expect(html).toContain('<section id="local-maps">');
    expect(html).toContain('attn1.map (4\u00d74, this image)');
    expect(html).toContain('attn3.map (2\u00d72, this image)');
    // The other sections are as before (charts aside, whose SVG ids vega numbers per render).
    const sectionIds = (page: string) =>
      [...page.matchAll(/<section id="([^"]+)">/g)].map((m) => m[1]);
    expect(sectionIds(html)).toEqual([
      ...sectionIds(without).slice(0, sectionIds(without).indexOf('examples') + 1),
      'local-maps',
      ...sectionIds(without).slice(sectionIds(without).indexOf('examples') + 1),
    ]);
    const examples = (page: string) =>
      page.slice(
        page.indexOf('<section id="examples">'),
        page.indexOf('<section id="local-maps">') > 0
          ? page.indexOf('<section id="local-maps">')
          : page.indexOf('<section id="confusion">'),
      );
    expect(examples(html)).toBe(examples(without));
  });
});
