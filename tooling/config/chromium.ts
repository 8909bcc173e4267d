// Opening a report.html in a real browser: Debian's Chromium driven by
// playwright-core (no browser is ever downloaded). Shared by this package's
// browser test and the CLI's, which checks the report of a real `gsa train`.
// Without Chromium the tests are skipped with a message; GSA_REQUIRE_CHROMIUM=1
// (CI) makes a missing browser fail instead.
import { existsSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { PNG } from 'pngjs';

export const chromiumPath = process.env.GSA_CHROMIUM ?? '/usr/bin/chromium';

/**
 * `describe` with a headless Chromium launched for its tests (`browser()`
 * returns it), or skipped with a message when there is none.
 */
export function describeInChromium(name: string, body: (browser: () => Browser) => void): void {
  if (!existsSync(chromiumPath)) {
    console.warn(
      `SKIPPED browser tests (${name}): no Chromium at ${chromiumPath} (apt-get install -y chromium, or set GSA_CHROMIUM)`,
    );
    if (process.env.GSA_REQUIRE_CHROMIUM === '1') {
      it('has Chromium (GSA_REQUIRE_CHROMIUM=1)', () => {
        throw new Error(`no Chromium at ${chromiumPath}: apt-get install -y chromium`);
      });
    }
    describe.skip(name, () =>
      body(() => {
        throw new Error('no Chromium');
      }),
    );
    return;
  }
  describe(name, () => {
    let browser: Browser | undefined;
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
    });
    afterAll(async () => {
      await browser?.close();
    });
    body(() => {
      if (!browser) throw new Error('Chromium did not start');
      return browser;
    });
  });
}

/**
 * Opens the report file and checks it as a reader would see it: no console
 * errors or warnings, no request other than the file itself, every image
 * decodes (at least `minImages` of them), one confusion-matrix chart, and a
 * screenshot that is neither blank nor flat. GSA_VIZ_SCREENSHOT=/some/file.png
 * saves the screenshot to look at.
 */
export async function expectReportRendersCleanly(
  browser: Browser,
  path: string,
  options: { minImages: number },
): Promise<void> {
  const reportUrl = pathToFileURL(path).href;
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  try {
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
    expect(images.length).toBeGreaterThanOrEqual(options.minImages);
    expect(images.every((width) => width > 0)).toBe(true);
    expect(await page.locator('section#confusion svg').count()).toBe(1);

    const screenshotBytes = await page.screenshot({ fullPage: true });
    if (process.env.GSA_VIZ_SCREENSHOT)
      writeFileSync(process.env.GSA_VIZ_SCREENSHOT, screenshotBytes);
    const screenshot = PNG.sync.read(Buffer.from(screenshotBytes));
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
  } finally {
    await page.close();
  }
}
