// "Each package can be published on its own": pack every public package,
// install the tarballs into a scratch project outside the workspace with npm,
// and import each public entry point from plain Node ESM.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publicPackages, repoRoot, type PublicPackage } from './workspace.js';

const packages = publicPackages();
const scratch = mkdtempSync(join(tmpdir(), 'gsa-publish-check-'));
const tarballs = new Map<string, string>();

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function specifier(pkg: PublicPackage, subpath: string): string {
  return subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
}

beforeAll(() => {
  const destination = join(scratch, 'tarballs');
  for (const pkg of packages) {
    const before = new Set(existsSync(destination) ? readdirSync(destination) : []);
    run('pnpm', ['pack', '--pack-destination', destination], pkg.directory);
    const created = readdirSync(destination).find((file) => !before.has(file));
    if (!created) throw new Error(`pnpm pack made no tarball for ${pkg.name}`);
    tarballs.set(pkg.name, join(destination, created));
  }
  const project = join(scratch, 'project');
  run('mkdir', ['-p', project], scratch);
  const local = Object.fromEntries([...tarballs].map(([name, file]) => [name, `file:${file}`]));
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify(
      {
        name: 'gsa-publish-check',
        private: true,
        type: 'module',
        dependencies: {
          ...local,
          '@tensorflow/tfjs-core': '4.22.0',
          '@tensorflow/tfjs-layers': '4.22.0',
        },
        overrides: local,
      },
      null,
      2,
    ),
  );
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
    project,
  );
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('every public package packs, installs and imports on its own', () => {
  it('finds the public packages, and depends on each so that turbo builds them first', () => {
    expect(packages.map((pkg) => pkg.name)).toContain('@gsa/backends');
    const manifest = JSON.parse(
      readFileSync(join(repoRoot, 'tooling/publish-check/package.json'), 'utf8'),
    ) as {
      devDependencies: Record<string, string>;
    };
    for (const pkg of packages) expect(manifest.devDependencies[pkg.name]).toBe('workspace:*');
  });

  it.each(packages.map((pkg) => [pkg.name, pkg] as const))(
    '%s: the tarball holds dist, types, README and LICENSE, no tests',
    (_name, pkg) => {
      const files = run('tar', ['-tzf', tarballs.get(pkg.name)!], scratch).split('\n');
      for (const required of [
        'package/package.json',
        'package/README.md',
        'package/LICENSE',
        'package/dist/index.js',
        'package/dist/index.d.ts',
      ]) {
        expect(files).toContain(required);
      }
      expect(files.filter((file) => /\.test\.|\.fixture\.|\/src\//.test(file))).toEqual([]);
    },
  );

  it.each(packages.map((pkg) => [pkg.name, pkg] as const))(
    '%s: every entry point imports from plain Node ESM; internals are blocked',
    (_name, pkg) => {
      const project = join(scratch, 'project');
      const checks = pkg.entryPoints.map(
        (subpath) =>
          `{ const m = await import(${JSON.stringify(specifier(pkg, subpath))}); if (Object.keys(m).length === 0) throw new Error('no exports: ${subpath}'); }`,
      );
      const blocked = [
        ...pkg.blocked.map((subpath) => subpath.replace('*', 'anything')),
        './dist/index.js',
      ].map(
        (subpath) =>
          `await import(${JSON.stringify(specifier(pkg, subpath))}).then(() => { throw new Error('not blocked: ${subpath}'); }, (error) => { if (error.code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw error; });`,
      );
      const script = join(project, `check-${pkg.name.replace(/[@/]/g, '_')}.mjs`);
      writeFileSync(script, [...checks, ...blocked, "console.log('ok');"].join('\n'));
      expect(run(process.execPath, [script], project).trim()).toBe('ok');
    },
  );

  it('@gsa/backends trains on wasm from an installed tarball (the .wasm files resolve offline)', () => {
    const project = join(scratch, 'project');
    const script = join(project, 'train-wasm.mjs');
    writeFileSync(
      script,
      `import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
const info = await useBackend('wasm');
const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1);
const w = tf.variable(tf.randomNormal([3, 3, 3, 4], 0, 0.1, 'float32', 2));
const loss = () => tf.mean(tf.square(tf.conv2d(x, w, 1, 'same')));
const before = loss().dataSync()[0];
const optimizer = tf.train.sgd(0.1);
for (let step = 0; step < 5; step++) optimizer.minimize(loss);
console.log(JSON.stringify({ backend: info.name, simd: info.simd, before, after: loss().dataSync()[0] }));
`,
    );
    const result = JSON.parse(
      run(process.execPath, [script], project).trim().split('\n').pop()!,
    ) as {
      backend: string;
      simd: boolean;
      before: number;
      after: number;
    };
    expect(result.backend).toBe('wasm');
    expect(result.simd).toBe(true);
    expect(result.after).toBeLessThan(result.before);
  });

  it('the scratch project is outside the workspace', () => {
    expect(scratch.startsWith(repoRoot)).toBe(false);
  });
});
