import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderReportHtml } from './report.js';
import { sampleRunReport } from './report.fixture.js';
import { decodePng, pngDataUri } from './node/files.js';
import { writeRunReport } from './node/report.js';
import { writeAttentionMap } from './node/heatmap-files.js';
import { parseNpy } from '@gsa/data';

describe('report.html', () => {
  let html = '';
  beforeAll(async () => {
    html = await renderReportHtml(sampleRunReport(), { imageToDataUri: pngDataUri });
  });

  it('holds every section: configuration, summary, curves, maps, examples, confusion, per class, sensitivity', () => {
    for (const id of [
      'summary',
      'configuration',
      'curves',
      'maps',
      'examples',
      'confusion',
      'per-class',
      'sensitivity',
    ]) {
      expect(html).toContain(`<section id="${id}">`);
    }
    for (const text of [
      '0.7812',
      'learningRate',
      'E = 6: map frozen',
      'before learning',
      'after learning',
      'map on the mean image',
      'Grad-CAM (this prediction)',
      'Grad-CAM of the predicted class at layer <code>block4.relu</code>',
      'severe',
    ]) {
      expect(html).toContain(text);
    }
  });

  it('says beside the colour bar how decided the map is, and warns about a flat one', async () => {
    const decided = await renderReportHtml(
      {
        ...sampleRunReport(),
        attentionMapDecision: { spread: 0.93, fractionBelow: 0.41, fractionAbove: 0.52 },
      },
      { imageToDataUri: pngDataUri },
    );
    expect(decided).toContain(
      'Spread (95th &minus; 5th percentile) 0.93; 41% of pixels below 0.1, 52% above 0.9.',
    );
    expect(decided).toContain('<p class="muted" id="map-decision">');
    expect(decided).not.toContain('The map is flat');
    const flat = await renderReportHtml(
      {
        ...sampleRunReport(),
        attentionMapDecision: { spread: 0.046, fractionBelow: 0, fractionAbove: 0 },
      },
      { imageToDataUri: pngDataUri },
    );
    expect(flat).toContain('<p class="warning" id="map-decision">');
    expect(flat).toContain('<strong>The map is flat:</strong>');
    expect(flat).toContain('0% of pixels below 0.1, 0% above 0.9');
    // Without the numbers the report says nothing about them.
    expect(html).not.toContain('id="map-decision"');
  });

  it("shows whether one map fits: the layout's verdict, its mean and std images, a warning when not aligned", async () => {
    const image = (fill: (pixel: number) => number) => ({
      height: 4,
      width: 4,
      channels: 1 as const,
      values: Float32Array.from({ length: 16 }, (_, pixel) => fill(pixel)),
    });
    const layout = {
      verdict: 'not aligned' as const,
      text: 'not aligned (median shift 7.9 px, 7.8% of the side; 90% within 21.9 px, 21.5%; correlation with the mean 0.55, 10-90%: 0.29-0.72)',
      advice: 'the images do not share one layout: register them first (--align translate).',
      meanImage: image((pixel) => pixel),
      stdImage: image((pixel) => 16 - pixel),
    };
    const shown = await renderReportHtml(
      { ...sampleRunReport(), layout },
      { imageToDataUri: pngDataUri },
    );
    const section = /<section id="layout">([^]*?)<\/section>/.exec(shown)?.[1] ?? '';
    expect(section).toContain('<h2>Does one map fit this data?</h2>');
    expect(section).toContain(
      '<p class="warning">Layout of the training images: not aligned (median shift 7.9 px',
    );
    expect(section).toContain('The images do not share one layout');
    expect(section).toContain('per-pixel mean');
    expect(section).toContain('per-pixel standard deviation');
    expect(section.match(/src="data:image\/png;base64,/g)).toHaveLength(2);
    const aligned = await renderReportHtml(
      { ...sampleRunReport(), layout: { ...layout, verdict: 'aligned' } },
      { imageToDataUri: pngDataUri },
    );
    expect(aligned).toContain('<section id="layout"><h2>Does one map fit this data?</h2><p>Layout');
    expect(html).not.toContain('id="layout"');
  });

  it('says how alike the map is to its sibling runs, when it has any', async () => {
    const shown = await renderReportHtml(
      {
        ...sampleRunReport(),
        mapStability: {
          runs: ['seed1', 'seed<2>'],
          text: 'r 0.91 (min 0.85), top-10% IoU 0.72 (min 0.60), 3 maps',
        },
      },
      { imageToDataUri: pngDataUri },
    );
    expect(shown).toContain(
      '<p id="map-stability">Map stability with the sibling runs <code>seed1</code>, <code>seed&lt;2&gt;</code> (other seeds, same settings): r 0.91 (min 0.85), top-10% IoU 0.72 (min 0.60), 3 maps.</p>',
    );
    expect(html).not.toContain('id="map-stability"');
  });

  it('escapes text from the report', () => {
    expect(html).toContain('synthetic disks &lt;test&gt;');
    expect(html).not.toContain('disks <test>');
  });

  it('is self-contained: images are data: URIs, no external src/href/url(), requests forbidden by CSP', () => {
    const images = [...html.matchAll(/<img src="([^"]+)"/g)].map((match) => match[1]!);
    expect(images.length).toBeGreaterThanOrEqual(7);
    for (const source of images) expect(source.startsWith('data:image/png;base64,')).toBe(true);
    expect(html).not.toMatch(/\s(src|href)="(?!data:)/);
    expect(html).not.toMatch(/url\((?!#)/); // vega clips with url(#id): same document
    expect(html).not.toMatch(/@import|<script|<link/);
    expect(html).toContain(
      `content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"`,
    );
    const firstPng = decodePng(Buffer.from(images[0]!.split(',')[1]!, 'base64'));
    expect([firstPng.width, firstPng.height]).toEqual([32, 32]);
  });

  it('takes a typed configuration interface; skips undefined, summarises long arrays', async () => {
    interface TrainConfig {
      backbone: string;
      learningRate?: number;
      classWeights: Float32Array;
      started: Date;
    }
    const configuration: TrainConfig = {
      backbone: 'vgg16',
      learningRate: undefined,
      classWeights: new Float32Array(100),
      started: new Date('2026-01-02T03:04:05Z'),
    };
    const page = await renderReportHtml(
      { title: 't', configuration, summary: {}, classNames: [] },
      { imageToDataUri: () => 'data:,' },
    );
    expect(page).toContain('vgg16');
    expect(page).not.toContain('learningRate');
    expect(page).toContain('[100 values]');
    expect(page).toContain('2026-01-02T03:04:05.000Z');
  });

  it('renders a minimal report (no history, no maps)', async () => {
    const minimal = await renderReportHtml(
      { title: 'bare', configuration: {}, summary: { accuracy: 0.5 }, classNames: ['a', 'b'] },
      { imageToDataUri: () => 'data:,' },
    );
    expect(minimal).toContain('<section id="summary">');
    expect(minimal).not.toContain('<section id="curves">');
  });
});

describe('files (Node)', () => {
  let directory = '';
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'gsa-viz-files-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('writeRunReport writes atomically into a new directory and leaves no temp file', async () => {
    const path = join(directory, 'run-1', 'report.html');
    await writeRunReport(path, sampleRunReport());
    expect(readFileSync(path, 'utf8')).toMatch(/^<!doctype html>/);
    expect(readdirSync(join(directory, 'run-1'))).toEqual(['report.html']);
  });

  it('writeAttentionMap writes the PNG with its colour bar and the raw .npy', async () => {
    const map = { height: 2, width: 3, values: Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]) };
    const paths = await writeAttentionMap(join(directory, 'map'), map, {
      scale: 4,
      barThickness: 3,
      gap: 1,
    });
    const png = decodePng(readFileSync(paths.png));
    expect([png.width, png.height]).toEqual([12 + 1 + 3, 8]);
    expect(parseNpy(readFileSync(paths.npy))).toEqual({
      dtype: '<f4',
      shape: [2, 3],
      data: map.values,
    });
    const bare = await writeAttentionMap(join(directory, 'bare'), map, { withoutColorBar: true });
    expect(decodePng(readFileSync(bare.png)).width).toBe(3);
  });

  it('refuses an overlay opacity outside [0, 1], naming the report field', async () => {
    const report = { ...sampleRunReport(), display: { overlayOpacity: Number.NaN } };
    await expect(renderReportHtml(report, { imageToDataUri: pngDataUri })).rejects.toThrow(
      /^display\.overlayOpacity must be a number from 0 .*got NaN$/,
    );
  });
});
