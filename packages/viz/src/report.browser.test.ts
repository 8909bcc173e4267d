// The report and the canvas helpers in a real browser: Debian's Chromium driven
// by playwright-core (no browser is ever downloaded). CI needs
// `apt-get install -y chromium`; without it these tests are skipped, loudly.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { drawRgbaImage, rgbaToDataUri } from './browser/canvas.js';
import { renderHeatmap } from './heatmap.js';
import { decodePng } from './node/files.js';
import { writeRunReport } from './node/report.js';
import { sampleRunReport } from './report.fixture.js';

const chromiumPath = process.env.GSA_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);
if (!haveChromium) {
  console.warn(
    `SKIPPED browser tests: no Chromium at ${chromiumPath} (apt-get install -y chromium, or set GSA_CHROMIUM)`,
  );
}
const describeInBrowser = haveChromium ? describe : describe.skip;

// CI can insist (GSA_REQUIRE_CHROMIUM=1) so that a missing browser fails instead of skipping.
if (!haveChromium && process.env.GSA_REQUIRE_CHROMIUM === '1') {
  it('has Chromium (GSA_REQUIRE_CHROMIUM=1)', () => {
    throw new Error(`no Chromium at ${chromiumPath}: apt-get install -y chromium`);
  });
}

describeInBrowser('in headless Chromium', () => {
  let browser: Browser;
  let directory = '';

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    directory = mkdtempSync(join(tmpdir(), 'gsa-viz-browser-'));
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('report.html renders with no console errors, no network requests, and is not blank', async () => {
    const path = join(directory, 'report.html');
    await writeRunReport(path, sampleRunReport());
    const reportUrl = pathToFileURL(path).href;
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(reportUrl, { waitUntil: 'load' });

    expect(problems).toEqual([]);
    expect(requests.filter((url) => url !== reportUrl && !url.startsWith('data:'))).toEqual([]);
    // Every image decoded (a broken data: URI has naturalWidth 0).
    const images = await page.$$eval('img', (elements) =>
      elements.map((element) => (element as HTMLImageElement).naturalWidth),
    );
    expect(images.length).toBeGreaterThanOrEqual(7);
    expect(images.every((width) => width > 0)).toBe(true);
    expect(await page.locator('section#confusion svg').count()).toBe(1);

    const screenshotBytes = await page.screenshot({ fullPage: true });
    // Set GSA_VIZ_SCREENSHOT=/some/file.png to look at the page yourself.
    if (process.env.GSA_VIZ_SCREENSHOT)
      writeFileSync(process.env.GSA_VIZ_SCREENSHOT, screenshotBytes);
    const screenshot = decodePng(screenshotBytes);
    let coloured = 0;
    const colours = new Set<number>();
    for (let offset = 0; offset < screenshot.data.length; offset += 4) {
      const [red, green, blue] = [
        screenshot.data[offset]!,
        screenshot.data[offset + 1]!,
        screenshot.data[offset + 2]!,
      ];
      if (red < 240 || green < 240 || blue < 240) coloured++;
      colours.add((red << 16) | (green << 8) | blue);
    }
    expect(coloured / (screenshot.width * screenshot.height)).toBeGreaterThan(0.02);
    expect(colours.size).toBeGreaterThan(100);
    await page.close();
  });

  it('the canvas helpers draw the same bytes the Node PNG path writes', async () => {
    const image = renderHeatmap(
      { height: 2, width: 3, values: [10, 12, 14, 16, 18, 20] },
      { colormap: 'magma' },
    );
    const page = await browser.newPage();
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
