import preset from '@gsa/tooling/jest-preset';

// npm installs from the registry: allow it time on a cold cache.
export default { ...preset, testTimeout: 600_000 };
