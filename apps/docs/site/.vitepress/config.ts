import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, type Plugin } from 'vite';
import { defineConfig, type DefaultTheme } from 'vitepress';

const site = dirname(dirname(fileURLToPath(import.meta.url)));

/** The package guides scripts/generate.js wrote, in its order. */
function guides(): DefaultTheme.SidebarItem[] {
  const list = join(site, 'guide/guides.json');
  if (!existsSync(list)) return [];
  const entries = JSON.parse(readFileSync(list, 'utf8')) as { name: string; packageName: string }[];
  return entries.map(({ name, packageName }) => ({
    text: name === 'cli' ? `${packageName} (gsa)` : packageName,
    link: `/guide/${name}`,
  }));
}

/** The API pages TypeDoc wrote (one per entry point), for the sidebar. */
function apiPages(): DefaultTheme.SidebarItem[] {
  let files: string[] = [];
  try {
    files = readdirSync(join(site, 'api'), { recursive: true }).map(String);
  } catch {
    return [];
  }
  return files
    .filter((file) => file.endsWith('.md') && file !== 'index.md')
    .sort()
    .map((file) => {
      const page = file.replace(/\.md$/, ''); // gsa/data/node
      return { text: `@${page}`, link: `/api/${page}` };
    });
}

/**
 * `import '@gsa/attention'` (and '@gsa/backbones') registers the custom layers
 * a saved model holds. Their package.json lists the registering modules as
 * side effects but not the entry that imports them, so Rollup drops a bare
 * entry import and loading an exported model fails with "Unknown layer:
 * FixedSpatialMap". Mark those entries as having side effects.
 */
function keepLayerRegistration(): Plugin {
  const entries = new Set(['@gsa/attention', '@gsa/backbones']);
  return {
    name: 'gsa-keep-layer-registration',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!entries.has(source)) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved ? { ...resolved, moduleSideEffects: true } : null;
    },
  };
}

/**
 * The gsa packages reach Node built-ins only on Node-only paths behind dynamic
 * imports (files, tfjs-node, wasm threads in Node), never taken in a browser;
 * Vite's notes about stubbing them would bury real warnings.
 */
function quietLogger() {
  const logger = createLogger();
  const warn = logger.warn.bind(logger);
  const expected =
    /externalized for browser compatibility|__vite-browser-external is dynamically imported/;
  logger.warn = (message, options) => {
    if (!expected.test(message)) warn(message, options);
  };
  return logger;
}

export default defineConfig({
  title: 'gsa',
  description:
    'Global spatial attention for CNNs on TensorFlow.js: one learned map for every structured image.',
  lang: 'en',
  // Benchmark tables included into the performance page, not pages of their own.
  srcExclude: ['parts/**'],
  cleanUrls: false,
  lastUpdated: false,
  // Built files and caches stay out of the source tree's formatting and lint.
  cacheDir: join(site, '.vitepress/cache'),
  head: [['link', { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' }]],
  markdown: { lineNumbers: false },
  themeConfig: {
    search: { provider: 'local' },
    nav: [
      { text: 'Guide', link: '/getting-started' },
      { text: 'Live demo', link: '/demo' },
      { text: 'CLI', link: '/reference/cli' },
      { text: 'API', link: '/api/' },
    ],
    sidebar: [
      {
        text: 'Introduction',
        items: [
          { text: 'Getting started', link: '/getting-started' },
          { text: 'The method', link: '/method' },
          { text: 'Reproducing the paper', link: '/reproduce' },
          { text: 'Backends and performance', link: '/performance' },
          { text: 'FAQ', link: '/faq' },
        ],
      },
      {
        text: 'In your browser',
        items: [
          { text: 'Live demo', link: '/demo' },
          { text: 'Classify with an exported model', link: '/classify' },
        ],
      },
      {
        text: 'Packages',
        items: [{ text: 'Overview', link: '/packages' }, ...guides()],
      },
      {
        text: 'Reference',
        items: [
          { text: 'CLI', link: '/reference/cli' },
          { text: 'API', link: '/api/', items: apiPages(), collapsed: true },
        ],
      },
    ],
    outline: { level: [2, 3] },
    footer: { message: 'Apache-2.0. Nothing on this site leaves your browser.' },
  },
  vite: {
    plugins: [keepLayerRegistration()],
    customLogger: quietLogger(),
    build: { chunkSizeWarningLimit: 4096 },
    // The demo pages import tfjs and the gsa packages in the browser only (after
    // mount); the server render never runs them, so it leaves them external.
    ssr: {
      external: [
        '@gsa/attention',
        '@gsa/backbones',
        '@gsa/backends',
        '@gsa/data',
        '@gsa/eval',
        '@gsa/trainer',
        '@gsa/viz',
        '@tensorflow/tfjs-core',
        '@tensorflow/tfjs-layers',
      ],
    },
  },
});
