import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { colormapTable } from './colormap.js';
import {
  normalizeMap,
  renderColorBar,
  renderColorBarSvg,
  renderHeatmap,
  renderHeatmapSvg,
  renderHeatmapWithColorBar,
} from './heatmap.js';
import { parseNpy } from '@gsa/data';
import { overlayHeatmap } from './overlay.js';
import { decodePng, encodePng, pngDataUri, writePng } from './node/files.js';
import { writeAttentionMap } from './node/heatmap-files.js';

// A 2x3 map whose min-max normalisation is 0, 0.2, 0.4 / 0.6, 0.8, 1.
const tinyMap = { height: 2, width: 3, values: [10, 12, 14, 16, 18, 20] };

function entry(table: Uint8Array, index: number): number[] {
  return [table[index * 3]!, table[index * 3 + 1]!, table[index * 3 + 2]!, 255];
}

describe('heatmap', () => {
  it('normalises min-max to [0,1], or to a given domain with clipping', () => {
    expect(Array.from(normalizeMap(tinyMap))).toEqual(
      [0, 0.2, 0.4, 0.6, 0.8, 1].map((value) => Math.fround(value)),
    );
    expect(
      Array.from(normalizeMap({ height: 1, width: 3, values: [-1, 0.5, 2] }, { domain: [0, 1] })),
    ).toEqual([0, 0.5, 1]);
    expect(Array.from(normalizeMap({ height: 1, width: 2, values: [3, 3] }))).toEqual([0, 0]);
  });

  it('embeds the standard 256-entry viridis and magma tables', () => {
    const viridis = colormapTable('viridis');
    const magma = colormapTable('magma');
    expect(viridis.length).toBe(768);
    expect(entry(viridis, 0)).toEqual([0x44, 0x01, 0x54, 255]); // matplotlib viridis(0) = #440154
    expect(entry(viridis, 255)).toEqual([0xfd, 0xe7, 0x25, 255]); // viridis(1) = #fde725
    expect(entry(magma, 0)).toEqual([0x00, 0x00, 0x04, 255]); // magma(0) = #000004
    expect(entry(magma, 255)).toEqual([0xfc, 0xfd, 0xbf, 255]); // magma(1) = #fcfdbf
  });

  it.each(['viridis', 'magma', 'gray'] as const)(
    '%s: PNG pixels are exactly the table entries floor(t*256), after an encode/decode round trip',
    (colormap) => {
      const table = colormapTable(colormap);
      const expectedIndices = [0, 51, 102, 153, 204, 255]; // floor(t*256) for t = 0, .2, .4, .6, .8, 1 (clipped)
      const decoded = decodePng(encodePng(renderHeatmap(tinyMap, { colormap })));
      expect([decoded.width, decoded.height]).toEqual([3, 2]);
      expect(Array.from(decoded.data)).toEqual(
        expectedIndices.flatMap((index) => entry(table, index)),
      );
    },
  );

  it('darkerIsMoreImportant reverses the map: the paper figure (gray) is black where the map is 1', () => {
    const decoded = decodePng(
      encodePng(renderHeatmap(tinyMap, { colormap: 'gray', darkerIsMoreImportant: true })),
    );
    // 1 - t for t = 0, .2, .4, .6, .8, 1 -> floor(.. * 256) clipped to 255
    expect(Array.from(decoded.data)).toEqual(
      [255, 204, 153, 102, 51, 0].flatMap((level) => [level, level, level, 255]),
    );
  });

  it('leaves NaN transparent and upscales by whole pixels', () => {
    const image = renderHeatmap({ height: 1, width: 2, values: [Number.NaN, 1] }, { scale: 2 });
    expect([image.width, image.height]).toEqual([4, 2]);
    expect(image.data[3]).toBe(0);
    expect(image.data[4 * 4 + 3]).toBe(0);
    expect(image.data[2 * 4 + 3]).toBe(255);
  });

  it('colour bar runs 0 (bottom) to 1 (top) through the whole table', () => {
    const bar = renderColorBar({ colormap: 'magma', length: 256, thickness: 2 });
    const table = colormapTable('magma');
    expect(Array.from(bar.data.subarray(0, 4))).toEqual(entry(table, 255));
    expect(Array.from(bar.data.subarray(255 * 2 * 4, 255 * 2 * 4 + 4))).toEqual(entry(table, 0));
    const horizontal = renderColorBar({ length: 4, thickness: 1, orientation: 'horizontal' });
    expect([horizontal.width, horizontal.height]).toEqual([4, 1]);
  });

  it('heatmap with colour bar: map on the left, bar on the right, same height', () => {
    const image = renderHeatmapWithColorBar(tinyMap, { scale: 10, barThickness: 5, gap: 2 });
    expect([image.width, image.height]).toEqual([30 + 2 + 5, 20]);
    const topOfBar = (0 * image.width + 32) * 4;
    expect(Array.from(image.data.subarray(topOfBar, topOfBar + 4))).toEqual(
      entry(colormapTable('viridis'), 255),
    );
  });

  it('colour bar SVG labels the domain ends', () => {
    const svg = renderColorBarSvg({ domain: [0.01, 0.93], label: 'importance <1>' });
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain('>0.93<');
    expect(svg).toContain('>0.01<');
    expect(svg).toContain('importance &lt;1&gt;');
  });

  it('SVG map: the same heatmap pixels beside a bar labelled with the map min and max', () => {
    const map = { height: 2, width: 3, values: [0.1234, 0.2, 0.3, 0.4, 0.5, 0.8766] };
    const svg = renderHeatmapSvg(map, {
      colormap: 'magma',
      darkerIsMoreImportant: true,
      imageToDataUri: pngDataUri,
    });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('>0.877</text>');
    expect(svg).toContain('>0.123</text>');
    expect(svg).toContain('darker = more important');
    // Drawn at 200 px high, the 3:2 map 300 px wide.
    expect(svg).toContain('width="300" height="200"');
    const uri = /xlink:href="data:image\/png;base64,([^"]+)"/.exec(svg)![1]!;
    expect(decodePng(Buffer.from(uri, 'base64'))).toEqual(
      renderHeatmap(map, { colormap: 'magma', darkerIsMoreImportant: true }),
    );
    // A given domain is what the labels show.
    const fixed = renderHeatmapSvg(map, { domain: [0, 1], imageToDataUri: pngDataUri });
    expect(fixed).toContain('>1</text>');
    expect(fixed).toContain('>0</text>');
  });

  it('writeAttentionMap writes the PNG, the labelled SVG and the .npy, leaving no temporary files', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'gsa-viz-map-'));
    try {
      const written = await writeAttentionMap(join(directory, 'attention-map'), tinyMap, {
        colormap: 'gray',
        scale: 2,
      });
      expect(written).toEqual({
        png: join(directory, 'attention-map.png'),
        svg: join(directory, 'attention-map.svg'),
        npy: join(directory, 'attention-map.npy'),
      });
      expect(readdirSync(directory).sort()).toEqual([
        'attention-map.npy',
        'attention-map.png',
        'attention-map.svg',
      ]);
      const svg = readFileSync(written.svg, 'utf8');
      expect(svg).toContain('>20</text>');
      expect(svg).toContain('>10</text>');
      expect(decodePng(readFileSync(written.png)).height).toBe(4);
      expect(parseNpy(readFileSync(written.npy)).data).toEqual(Float32Array.from(tinyMap.values));
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('refuses options that would silently mislead, naming them', () => {
    expect(() => renderHeatmap(tinyMap, { scale: 0 })).toThrow(
      /^scale must be a whole number >= 1 .*got 0$/,
    );
    expect(() => renderHeatmap(tinyMap, { scale: 1.5 })).toThrow(/scale .*got 1\.5/);
    expect(() => renderHeatmap(tinyMap, { domain: [1, 0] })).toThrow(
      /domain \[1, 0\] is reversed: give \[low, high\]/,
    );
    expect(() => normalizeMap(tinyMap, { domain: [0, Number.NaN] })).toThrow(
      /domain must be two finite numbers/,
    );
    expect(() => renderColorBarSvg({ domain: [5, 2] })).toThrow(/domain \[5, 2\] is reversed/);
    const image = { height: 2, width: 3, channels: 1 as const, values: tinyMap.values };
    for (const opacity of [Number.NaN, -0.1, 1.5]) {
      expect(() => overlayHeatmap(image, tinyMap, { opacity })).toThrow(
        new RegExp(`^opacity must be a number from 0 .* to 1 .*got ${opacity}$`),
      );
    }
    expect(() => overlayHeatmap(image, tinyMap, { imageDomain: [1, 0] })).toThrow(
      /imageDomain \[1, 0\] is reversed/,
    );
    expect(() => overlayHeatmap(image, tinyMap, { scale: 0 })).toThrow(/^scale must be/);
    // The edges are fine.
    expect(overlayHeatmap(image, tinyMap, { opacity: 0 }).width).toBe(3);
    expect(overlayHeatmap(image, tinyMap, { opacity: 1 }).width).toBe(3);
  });

  it('writes a PNG file that decodes to the same pixels', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'gsa-viz-png-'));
    try {
      const image = renderHeatmap(tinyMap, { colormap: 'magma' });
      await writePng(join(directory, 'map.png'), image);
      expect(decodePng(readFileSync(join(directory, 'map.png')))).toEqual(image);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
