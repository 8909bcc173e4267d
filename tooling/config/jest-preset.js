// Shared Jest preset: TypeScript through @swc/jest as native ESM, tests next to
// the code, and `@gsa/<name>` resolved to the package's source so that
// `pnpm test` never needs a build.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** @type {import('jest').Config} */
const preset = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper: {
    // Shared test helpers of the workspace (tooling/config), e.g. @gsa/tooling/chromium.
    '^@gsa/tooling/([a-z0-9-]+)$': `${repoRoot}/tooling/config/$1.ts`,
    '^@gsa/([a-z0-9-]+)$': `${repoRoot}/packages/$1/src/index.ts`,
    '^@gsa/([a-z0-9-]+)/([a-z0-9-]+)$': `${repoRoot}/packages/$1/src/$2/index.ts`,
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  // tfjs numeric tests are CPU-heavy: one worker per core at most.
  maxWorkers: 2,
  testTimeout: 120_000,
  reporters: ['default', `${repoRoot}/tooling/config/summary-reporter.js`],
};

export default preset;
