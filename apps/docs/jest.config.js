import preset from '@gsa/tooling/jest-preset';

// The browser tests serve the built site (site/.vitepress/dist) on localhost
// and drive Debian's Chromium through playwright-core.
export default { ...preset, testTimeout: 180_000, maxWorkers: 1 };
