import preset from '@gsa/tooling/jest-preset';

// End-to-end tests run the built `gsa` binary as a child process; the data and
// one trained run they share are made once per jest run (jest.global-setup.mjs).
export default {
  ...preset,
  testTimeout: 300_000,
  globalSetup: '<rootDir>/jest.global-setup.mjs',
  globalTeardown: '<rootDir>/jest.global-teardown.mjs',
};
