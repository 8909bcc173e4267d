// The report and the canvas helpers in a real browser: Debian's Chromium driven
// by playwright-core (no browser is ever downloaded). CI needs
// `apt-get install -y chromium`; without it these tests are skipped, loudly.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drawRgbaImage, rgbaToDataUri } from './browser/canvas.js';
import { renderHeatmap } from './heatmap.js';
import { decodePng } from './node/files.js';
import { writeRunReport } from './node/report.js';
import { sampleRunReport } from './report.fixture.js';
import { describeInChromium, expectReportRendersCleanly } from '@gsa/tooling/chromium';

describeInChromium('in headless Chromium', (browser) => {
  let directory = '';
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'gsa-viz-browser-'));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('report.html renders with no console errors, no network requests, and is not blank', async () => {
    const path = join(directory, 'report.html');
    await writeRunReport(path, sampleRunReport());
    await expectReportRendersCleanly(browser(), path, { minImages: 7 });
  });

  it('the canvas helpers draw the same bytes the Node PNG path writes', async () => {
    const image = renderHeatmap(
      { height: 2, width: 3, values: [10, 12, 14, 16, 18, 20] },
      { colormap: 'magma' },
    );
    const page = await browser().newPage();
    // The helpers are self-contained functions; define them in the page as compiled.
    await page.addScriptTag({
      content: `${drawRgbaImage.toString()}\n${rgbaToDataUri.toString()}\nwindow.drawRgbaImage = drawRgbaImage; window.rgbaToDataUri = rgbaToDataUri;`,
    });
    const result = await page.evaluate(
      ({ width, height, bytes }) => {
        const helpers = window as unknown as {
          drawRgbaImage: typeof drawRgbaImage;
          rgbaToDataUri: typeof rgbaToDataUri;
        };
        const rgba = { width, height, data: new Uint8ClampedArray(bytes) };
        const canvas = document.createElement('canvas');
        helpers.drawRgbaImage(canvas, rgba);
        const drawn = Array.from(canvas.getContext('2d')!.getImageData(0, 0, width, height).data);
        return { drawn, uri: helpers.rgbaToDataUri(rgba) };
      },
      { width: image.width, height: image.height, bytes: Array.from(image.data) },
    );
    expect(result.drawn).toEqual(Array.from(image.data));
    expect(result.uri.startsWith('data:image/png;base64,')).toBe(true);
    expect(decodePng(Buffer.from(result.uri.split(',')[1]!, 'base64'))).toEqual(image);
    await page.close();
  });
});
