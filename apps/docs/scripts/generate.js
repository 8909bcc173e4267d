// Generates the parts of the site that come from the code, before `vitepress
// build`: the CLI reference (from the built CLI's own --help), the package
// guides (each package's README, links rewritten for the site), the API
// reference (TypeDoc from the TSDoc comments), the method page's figures (made
// with @gsa/data and @gsa/viz), and the wasm binaries the demo serves itself.
// Everything it writes is git-ignored and remade on every build.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const docs = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(docs, '../..');
const site = join(docs, 'site');
const only = process.argv.slice(2);
const wanted = (step) => only.length === 0 || only.includes(step);

/** The sidebar's order for the packages it knows; any other package follows, then the CLI. */
const PREFERRED = ['backends', 'data', 'attention', 'backbones', 'trainer', 'eval', 'viz'];

/**
 * Every public package with a README (packages/*, then apps/cli), as
 * [guide name, folder, npm name]: a new package gets its guide and API page
 * without touching the docs.
 */
export function documentedPackages() {
  const found = [];
  for (const folder of readdirSync(join(repo, 'packages')).sort()) {
    const manifestPath = join(repo, 'packages', folder, 'package.json');
    if (!existsSync(manifestPath) || !existsSync(join(repo, 'packages', folder, 'README.md')))
      continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (manifest.private) continue;
    found.push([folder, `packages/${folder}`, manifest.name]);
  }
  const rank = (name) => (PREFERRED.includes(name) ? PREFERRED.indexOf(name) : PREFERRED.length);
  found.sort((a, b) => rank(a[0]) - rank(b[0]) || a[0].localeCompare(b[0]));
  return [...found, ['cli', 'apps/cli', '@gsa/cli']];
}

const GUIDES = documentedPackages();

function writeAtomically(path, text) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

// --- CLI reference -----------------------------------------------------------

const gsaBin = join(repo, 'apps/cli/bin/gsa.js');

function gsaHelp(command) {
  try {
    return execFileSync(process.execPath, [gsaBin, ...command, '--help'], {
      encoding: 'utf8',
      env: { ...process.env, COLUMNS: '100', NO_COLOR: '1' },
    });
  } catch (error) {
    throw new Error(
      `docs: \`gsa ${command.join(' ')} --help\` failed (${error.message.split('\n')[0]}). ` +
        'Build the CLI first: pnpm --filter @gsa/cli build (turbo does this before the docs build).',
    );
  }
}

/** The subcommands a help text lists under "Commands:" (commander's layout), without `help`. */
export function listedCommands(help) {
  const section = help.split(/^Commands:\s*$/m)[1];
  if (!section) return [];
  const names = [];
  for (const line of section.split('\n')) {
    if (/^\S/.test(line)) break; // the next section
    const match = /^ {2}([a-z][\w-]*)/.exec(line);
    if (match && match[1] !== 'help') names.push(match[1]);
  }
  return names;
}

function cliReference() {
  const sections = [];
  const visit = (command) => {
    const help = gsaHelp(command);
    sections.push({ command, help });
    for (const name of listedCommands(help)) visit([...command, name]);
  };
  visit([]);
  const version = execFileSync(process.execPath, [gsaBin, '--version'], {
    encoding: 'utf8',
  }).trim();
  const body = sections
    .map(({ command, help }) => {
      const title = ['gsa', ...command].join(' ');
      return `## \`${title}\`\n\n\`\`\`text\n${help.trimEnd()}\n\`\`\`\n`;
    })
    .join('\n');
  const text =
    `---\noutline: [2, 2]\n---\n\n# CLI reference\n\n` +
    `Generated at build time from \`gsa ... --help\` of gsa ${version}: every command ` +
    `and subcommand the CLI lists, so this page cannot drift from the code. ` +
    `The [CLI guide](/guide/cli) explains the flags and the run directory.\n\n${body}`;
  writeAtomically(join(site, 'reference/cli.md'), text);
  return sections.length;
}

// --- package guides ----------------------------------------------------------

/** Rewrites a README's relative links for the site; links the site cannot serve become plain text. */
export function rewriteReadmeLinks(markdown, readmeDirectory) {
  const guideOf = new Map(GUIDES.map(([name, path]) => [resolve(repo, path), name]));
  return markdown.replace(/(!?)\[([^\]]*)\]\(([^)\s]+)\)/g, (whole, bang, text, target) => {
    if (/^[a-z]+:/i.test(target) || target.startsWith('#')) return whole;
    const [path, hash] = target.split('#');
    const absolute = resolve(readmeDirectory, path).replace(/\/README\.md$/, '');
    if (absolute === repo) return `${bang}[${text}](/${hash ? `#${hash}` : ''})`;
    const guide = guideOf.get(absolute);
    if (guide) return `${bang}[${text}](/guide/${guide}${hash ? `#${hash}` : ''})`;
    return bang ? text : text; // a source file or folder: name it, do not link it
  });
}

const HTML_TAGS = new Set(
  'a abbr b br code del details div em figcaption figure h1 h2 h3 h4 h5 h6 hr i img kbd li ol p picture pre source span strong sub summary sup table tbody td th thead tr u ul var'.split(
    ' ',
  ),
);

/**
 * VitePress compiles Markdown as a Vue template: outside code, `{{` would be
 * interpolated and a placeholder such as `<dir>` read as an unclosed element.
 * Escape both there; code blocks and inline code are left as they are.
 */
export function vueSafe(markdown) {
  let inFence = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
      if (inFence) return line;
      return line
        .split(/(`+[^`]*`+)/)
        .map((part, index) =>
          index % 2 === 1
            ? part
            : part
                .replace(/\{\{/g, '&#123;&#123;')
                .replace(/(?<!\\)<(\/?)([A-Za-z][\w.-]*)([^>]*)>/g, (tag, slash, name, rest) =>
                  HTML_TAGS.has(name.toLowerCase()) ? tag : `&lt;${slash}${name}${rest}&gt;`,
                ),
        )
        .join('');
    })
    .join('\n');
}

function packageGuides() {
  for (const [name, path] of GUIDES) {
    const directory = join(repo, path);
    const readme = readFileSync(join(directory, 'README.md'), 'utf8');
    const source = `${path}/README.md`;
    const text =
      `<!-- Generated from ${source} by apps/docs/scripts/generate.js: edit the README, not this file. -->\n\n` +
      vueSafe(rewriteReadmeLinks(readme, directory)) +
      `\n\n---\n\n_This guide is the package's README (${source}); the [API reference](/api/) lists every export._\n`;
    writeAtomically(join(site, 'guide', `${name}.md`), text);
  }
  // The sidebar's list (read by .vitepress/config.ts).
  writeAtomically(
    join(site, 'guide/guides.json'),
    `${JSON.stringify(
      GUIDES.map(([name, , packageName]) => ({ name, packageName })),
      null,
      2,
    )}\n`,
  );
  return GUIDES.length;
}

/**
 * The "## Benchmark" section of each package README (its measured numbers),
 * as a part the performance page includes: the numbers live in one place.
 */
function benchmarkParts() {
  const parts = join(site, 'parts');
  rmSync(parts, { recursive: true, force: true });
  let written = 0;
  for (const [name, path] of GUIDES) {
    const readme = readFileSync(join(repo, path, 'README.md'), 'utf8');
    const section = /^## Benchmark\s*\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1];
    if (!section) continue;
    const body = section.replace(/^### /gm, '#### ').trim();
    const text =
      `<!-- From ${path}/README.md (## Benchmark), by apps/docs/scripts/generate.js. -->\n\n` +
      `${vueSafe(rewriteReadmeLinks(body, join(repo, path)))}\n\n` +
      `_From the [${name} guide](/guide/${name}#benchmark)._\n`;
    writeAtomically(join(parts, `${name}-benchmark.md`), text);
    written += 1;
  }
  return written;
}

// --- API reference (TypeDoc) ---------------------------------------------------

/** Every public entry point: `@gsa/<pkg>` and its subpath exports. */
function entryPoints() {
  const entries = [];
  for (const [name, path] of GUIDES) {
    if (name === 'cli') continue; // an app: its reference is the CLI page
    if (!existsSync(join(repo, path, 'src/index.ts'))) continue;
    const manifest = JSON.parse(readFileSync(join(repo, path, 'package.json'), 'utf8'));
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      if (target === null || subpath.endsWith('.json') || subpath.includes('*')) continue;
      const suffix = subpath === '.' ? '' : subpath.slice(1);
      const entry = join(repo, path, 'src', suffix, 'index.ts');
      if (existsSync(entry)) entries.push(entry);
    }
  }
  return entries;
}

function apiReference() {
  const output = join(site, 'api');
  rmSync(output, { recursive: true, force: true });
  const typedoc = join(docs, 'node_modules/typedoc/bin/typedoc');
  const args = [
    typedoc,
    '--tsconfig',
    join(docs, 'tsconfig.typedoc.json'),
    '--plugin',
    'typedoc-plugin-markdown',
    '--plugin',
    join(docs, 'scripts/typedoc-names.js'),
    '--out',
    output,
    '--entryPointStrategy',
    'resolve',
    '--outputFileStrategy',
    'modules',
    '--entryFileName',
    'index',
    '--readme',
    'none',
    '--hidePageHeader',
    '--hideBreadcrumbs',
    '--useCodeBlocks',
    '--useHTMLAnchors', // explicit ids: the links TypeDoc writes never depend on VitePress' slugs
    '--excludePrivate',
    '--excludeInternal',
    '--excludeExternals',
    '--skipErrorChecking', // other packages' type errors are their tests' job, not the docs'
    '--disableSources',
    '--logLevel',
    'Warn',
    '--name',
    'gsa API reference',
    ...entryPoints(),
  ];
  execFileSync(process.execPath, args, { cwd: docs, stdio: ['ignore', 'inherit', 'inherit'] });
  // URLs without '@' (dev servers give '/@...' paths a meaning): api/gsa/data/node.html.
  renameSync(join(output, '@gsa'), join(output, 'gsa'));
  const index = join(output, 'index.md');
  writeFileSync(index, readFileSync(index, 'utf8').replace(/\]\(@gsa\//g, '](gsa/'));
  const pages = readdirSync(output, { recursive: true }).filter((file) =>
    String(file).endsWith('.md'),
  );
  for (const page of pages) {
    const path = join(output, String(page));
    writeFileSync(path, vueSafe(readFileSync(path, 'utf8')));
  }
  return pages.length;
}

// --- figures and wasm ----------------------------------------------------------

async function figures() {
  const directory = join(site, 'public/figures');
  mkdirSync(directory, { recursive: true });
  const { figuresFor } = await import('./figures.js');
  return figuresFor(directory);
}

function wasmBinaries() {
  const backends = createRequire(join(repo, 'packages/backends/package.json'));
  const wasmDist = dirname(backends.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const directory = join(site, 'public/wasm');
  mkdirSync(directory, { recursive: true });
  const files = readdirSync(join(wasmDist, 'dist')).filter((file) => file.endsWith('.wasm'));
  for (const file of files) copyFileSync(join(wasmDist, 'dist', file), join(directory, file));
  return files.length;
}

const started = performance.now();
const done = [];
if (wanted('cli')) done.push(`${cliReference()} CLI commands`);
if (wanted('guides')) done.push(`${packageGuides()} guides, ${benchmarkParts()} benchmark tables`);
if (wanted('api')) done.push(`${apiReference()} API pages`);
if (wanted('figures')) done.push(`${await figures()} figures`);
if (wanted('wasm')) done.push(`${wasmBinaries()} wasm files`);
console.log(
  `docs: generated ${done.join(', ')} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
