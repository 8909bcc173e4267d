// The built site in a real browser: Debian's Chromium driven by playwright-core
// (no browser is ever downloaded), the site served from site/.vitepress/dist on
// 127.0.0.1. `pnpm test` builds the site first (turbo: test depends on build).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { resolveSitePath, serveSite, type SiteServer } from './static-server.js';

const docs = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(docs, 'site/.vitepress/dist');
const fixtures = join(docs, 'test/fixtures');
const chromiumPath = process.env.GSA_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);
if (!haveChromium) {
  console.warn(
    `SKIPPED docs browser tests: no Chromium at ${chromiumPath} (apt-get install -y chromium, or set GSA_CHROMIUM)`,
  );
}
const describeInBrowser = haveChromium ? describe : describe.skip;

// CI insists (GSA_REQUIRE_CHROMIUM=1): a missing browser fails instead of skipping.
if (!haveChromium && process.env.GSA_REQUIRE_CHROMIUM === '1') {
  it('has Chromium (GSA_REQUIRE_CHROMIUM=1)', () => {
    throw new Error(`no Chromium at ${chromiumPath}: apt-get install -y chromium`);
  });
}

/** Every page of the built site, as URL paths ('/method.html'). */
function sitePages(): string[] {
  return readdirSync(dist, { recursive: true })
    .map(String)
    .filter((file) => file.endsWith('.html'))
    .map((file) => `/${file.split('\\').join('/')}`)
    .sort();
}

/** A page's internal link targets (href values), without external and mailto links. */
function internalLinks(html: string): string[] {
  return [...html.matchAll(/<a\s[^>]*?href="([^"]+)"/g)]
    .map((match) => match[1]!.replace(/&amp;/g, '&'))
    .filter((href) => !/^[a-z][a-z0-9+.-]*:/i.test(href));
}

describe('the built site', () => {
  it('exists: pnpm build made site/.vitepress/dist with every section', () => {
    if (!existsSync(join(dist, 'index.html'))) {
      throw new Error(
        `${dist} is missing: run pnpm --filter docs build (pnpm test does it first).`,
      );
    }
    const pages = sitePages();
    for (const page of [
      '/index.html',
      '/getting-started.html',
      '/method.html',
      '/reproduce.html',
      '/performance.html',
      '/faq.html',
      '/demo.html',
      '/classify.html',
      '/packages.html',
      '/guide/trainer.html',
      '/guide/cli.html',
      '/reference/cli.html',
      '/api/index.html',
      '/api/gsa/trainer/node.html',
    ]) {
      expect(pages).toContain(page);
    }
    // The performance page includes the packages' measured benchmark tables.
    const performance = readFileSync(join(dist, 'performance.html'), 'utf8');
    expect(performance.match(/<table/g)?.length).toBeGreaterThanOrEqual(5);
    expect(performance).toContain('ms/step');
    // Every package has its guide and its API page.
    for (const name of ['attention', 'backbones', 'backends', 'data', 'eval', 'trainer', 'viz']) {
      expect(pages).toContain(`/guide/${name}.html`);
      expect(pages).toContain(`/api/gsa/${name}.html`);
    }
  });

  it('has a CLI reference with every command the built CLI lists', () => {
    const gsa = join(docs, '../cli/bin/gsa.js');
    const help = execFileSync(process.execPath, [gsa, '--help'], { encoding: 'utf8' });
    const commands = help
      .split(/^Commands:\s*$/m)[1]!
      .split('\n')
      .map((line) => /^ {2}([a-z][\w-]*)/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined && name !== 'help');
    expect(commands.length).toBeGreaterThanOrEqual(5);
    const page = readFileSync(join(dist, 'reference/cli.html'), 'utf8');
    for (const command of commands) expect(page).toContain(`gsa ${command}`);
    expect(page).toContain('Usage: gsa train [options]');
  });

  it('has no internal link that does not resolve, anchors included', () => {
    const broken: string[] = [];
    const ids = new Map<string, Set<string>>();
    const idsOf = (file: string): Set<string> => {
      let found = ids.get(file);
      if (!found) {
        const html = readFileSync(file, 'utf8');
        found = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((match) => match[1]!));
        ids.set(file, found);
      }
      return found;
    };
    let checked = 0;
    for (const page of sitePages()) {
      const file = join(dist, page);
      for (const href of internalLinks(readFileSync(file, 'utf8'))) {
        const url = new URL(href, `http://site${page}`);
        const target = resolveSitePath(dist, url.pathname);
        checked += 1;
        if (!target) {
          broken.push(`${page} -> ${href}`);
          continue;
        }
        const anchor = decodeURIComponent(url.hash.slice(1));
        if (anchor && target.endsWith('.html') && !idsOf(target).has(anchor)) {
          broken.push(`${page} -> ${href} (no #${anchor} in ${relative(dist, target)})`);
        }
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(500);
  });
});

describeInBrowser('in headless Chromium', () => {
  let browser: Browser;
  let server: SiteServer;
  let scratch = '';

  beforeAll(async () => {
    server = await serveSite(dist);
    scratch = mkdtempSync(join(tmpdir(), 'gsa-docs-'));
    // A user's folder: 20 PNGs and a labels.csv, written by the built CLI.
    const folder = join(scratch, 'my-images');
    execFileSync(process.execPath, [
      join(docs, '../cli/bin/gsa.js'),
      '--quiet',
      'datasets',
      'synth',
      '--out',
      folder,
      '--count',
      '20',
      '--size',
      '20',
      '--seed',
      '1',
    ]);
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  /** A fresh page that records console errors, page errors and requests to other hosts. */
  async function watchedPage(): Promise<{ page: Page; problems: string[]; outside: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    const outside: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(`${server.origin}/`) && !/^(data|blob):/.test(url)) outside.push(url);
    });
    return { page, problems, outside };
  }

  it('loads every page with no console errors and no request outside localhost', async () => {
    const pages = sitePages();
    expect(pages.length).toBeGreaterThanOrEqual(30);
    const failures: string[] = [];
    const { page, problems, outside } = await watchedPage();
    for (const path of pages) {
      problems.length = 0;
      outside.length = 0;
      const response = await page.goto(`${server.origin}${path}`, { waitUntil: 'load' });
      if (response?.status() !== 200) failures.push(`${path}: HTTP ${response?.status()}`);
      // Hydrated: Vue has mounted the app (errors during hydration surface as console errors).
      await page.waitForFunction(() => {
        const app = document.querySelector('#app') as { __vue_app__?: unknown } | null;
        return app?.__vue_app__ !== undefined;
      });
      const title = await page.title();
      if (!title.includes('gsa')) failures.push(`${path}: title '${title}'`);
      for (const problem of problems) failures.push(`${path}: ${problem}`);
      for (const url of outside) failures.push(`${path}: requested ${url}`);
    }
    await page.close();
    expect(failures).toEqual([]);
  });

  it('the live demo trains vanilla and global attention for 3 epochs and draws the map forming', async () => {
    const { page, problems, outside } = await watchedPage();
    // Small settings keep the test short on two shared cores; cutoff 3 keeps all 3 epochs in phase 1.
    await page.goto(
      `${server.origin}/demo.html?size=24&count=40&epochs=3&cutoff=3&widths=4,8&channels=4&batch=16`,
      { waitUntil: 'networkidle' },
    );
    await page.click('#gsa-start');
    await page.waitForSelector('#gsa-status[data-done], #gsa-status[data-error]', {
      timeout: 150_000,
    });
    expect(await page.textContent('#gsa-status')).toBe('Done.');
    const backend = await page.getAttribute('#gsa-backend', 'data-backend');
    expect(['webgpu', 'webgl', 'wasm', 'cpu']).toContain(backend);
    expect(await page.textContent('#gsa-backend')).toContain(`backend: ${backend}`);
    // One map per epoch, and each differs from the one before: the map is forming.
    const frames = await page.$$eval('canvas.gsa-map-epoch', (canvases) =>
      canvases.map((canvas) => ({
        epoch: (canvas as HTMLCanvasElement).dataset.epoch,
        png: (canvas as HTMLCanvasElement).toDataURL('image/png'),
        width: (canvas as HTMLCanvasElement).width,
      })),
    );
    expect(frames.map((frame) => frame.epoch)).toEqual(['1', '2', '3']);
    expect(frames.every((frame) => frame.width > 0)).toBe(true);
    expect(frames[1]!.png).not.toBe(frames[0]!.png);
    expect(frames[2]!.png).not.toBe(frames[1]!.png);
    // The large map canvas shows the last epoch; both runs have curves.
    expect(await page.getAttribute('figure:has(#gsa-map)', 'data-epoch')).toBe('3');
    expect(await page.locator('#gsa-loss polyline').count()).toBe(2);
    expect(await page.locator('#gsa-accuracy polyline').count()).toBe(2);
    expect(await page.textContent('#gsa-results')).toMatch(
      /vanilla \d+\.\d%, global attention \d+\.\d%; the map finds the true region with ROC-AUC 0\.\d{3}/,
    );
    expect(problems).toEqual([]);
    expect(outside).toEqual([]);
    await page.close();
  });

  it("the live demo trains on a folder of the user's own images (labels.csv), on wasm when chosen", async () => {
    const folder = join(scratch, 'my-images');
    const { page, problems, outside } = await watchedPage();
    await page.goto(
      `${server.origin}/demo.html?size=16&epochs=2&cutoff=1&widths=4&channels=2&batch=8&backend=wasm`,
      { waitUntil: 'networkidle' },
    );
    await page.setInputFiles('#gsa-folder', folder);
    expect(await page.textContent('#gsa-status')).toMatch(/^\d+ files chosen/);
    await page.click('#gsa-start');
    await page.waitForSelector('#gsa-status[data-done], #gsa-status[data-error]', {
      timeout: 120_000,
    });
    expect(await page.textContent('#gsa-status')).toBe('Done.');
    expect(await page.getAttribute('#gsa-backend', 'data-backend')).toBe('wasm');
    // 20 images, stratified 80/20: 16 to train, 4 held out; no true region for user data.
    expect(await page.textContent('#gsa-results')).toMatch(
      /^Test accuracy on 4 held-out images \(16 to train\): vanilla \d+\.\d%, global attention \d+\.\d%\.$/,
    );
    expect(await page.locator('canvas.gsa-map-epoch').count()).toBe(2);
    expect(problems).toEqual([]);
    expect(outside).toEqual([]);
    await page.close();
  });

  it('the live demo trains on dropped files (labels.csv and images)', async () => {
    const folder = join(scratch, 'my-images');
    const files = readdirSync(folder)
      .filter((name) => name === 'labels.csv' || /^img-\d+\.png$/.test(name))
      .map((name) => ({ name, base64: readFileSync(join(folder, name)).toString('base64') }));
    expect(files.length).toBe(21);
    const { page, problems, outside } = await watchedPage();
    await page.goto(
      `${server.origin}/demo.html?size=16&epochs=1&cutoff=1&widths=4&channels=2&batch=8&backend=wasm`,
      { waitUntil: 'networkidle' },
    );
    const dataTransfer = await page.evaluateHandle((list) => {
      const transfer = new DataTransfer();
      for (const { name, base64 } of list) {
        const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
        transfer.items.add(new File([bytes], name));
      }
      return transfer;
    }, files);
    await page.dispatchEvent('#gsa-drop', 'drop', { dataTransfer });
    await page.waitForFunction(() =>
      document.querySelector('#gsa-status')?.textContent?.startsWith('21 files dropped'),
    );
    await page.click('#gsa-start');
    await page.waitForSelector('#gsa-status[data-done], #gsa-status[data-error]', {
      timeout: 120_000,
    });
    expect(await page.textContent('#gsa-status')).toBe('Done.');
    expect(await page.textContent('#gsa-results')).toMatch(/^Test accuracy on 4 held-out images/);
    expect(problems).toEqual([]);
    expect(outside).toEqual([]);
    await page.close();
  });

  it('classifies a fixture image with a model made by gsa export, the map drawn over it', async () => {
    const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as {
      className: string;
      probabilities: Record<string, number>;
    }[];
    const { page, problems, outside } = await watchedPage();
    await page.goto(`${server.origin}/classify.html`, { waitUntil: 'networkidle' });
    const model = join(fixtures, 'model');
    await page.setInputFiles(
      '#gsa-model-files',
      ['model.json', 'weights.bin', 'gsa.json'].map((file) => join(model, file)),
    );
    await page.waitForSelector('#gsa-classify-status[data-model="loaded"]', { timeout: 60_000 });
    expect(await page.textContent('#gsa-model-info')).toContain('the learned map is baked in');
    await page.setInputFiles('#gsa-image', join(fixtures, 'image.png'));
    await page.waitForSelector('#gsa-prediction[data-class-name]', { timeout: 60_000 });
    const predicted = await page.getAttribute('#gsa-prediction', 'data-class-name');
    expect(predicted).toBe(expected[0]!.className);
    // The same probability as `gsa predict` in Node (float32 on another backend: to 0.2 points).
    const shown = await page.textContent('#gsa-prediction');
    const match = /^image\.png: (\S+) \((\d+\.\d)%\)$/.exec(shown ?? '');
    expect(match?.[1]).toBe(predicted);
    const node = 100 * expected[0]!.probabilities[expected[0]!.className]!;
    expect(Math.abs(Number(match?.[2]) - node)).toBeLessThanOrEqual(0.2);
    // Image, map and overlay side by side.
    const overlay = await page.$eval('#gsa-overlay', (canvas) => ({
      width: (canvas as HTMLCanvasElement).width,
      height: (canvas as HTMLCanvasElement).height,
    }));
    expect(overlay.width).toBeGreaterThan(3 * overlay.height - 20);
    expect(problems).toEqual([]);
    expect(outside).toEqual([]);
    await page.close();
  });
});
