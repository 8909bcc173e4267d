// Test helpers for gsa and its users: run a numeric spec on every backend, and
// the seeded reference network the backend conformance tests and benchmark use.
// Training in Node needs gradients registered: import '@tensorflow/tfjs-layers'.
export { describeWithBackends, testBackends } from './describe-with-backends.js';
export { VggStyleNet, randomBatch, type VggStyleNetOptions } from './vgg-style-net.js';
