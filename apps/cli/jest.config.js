import preset from '@gsa/tooling/jest-preset';

// End-to-end tests run the built `gsa` binary as a child process.
export default { ...preset, testTimeout: 300_000 };
