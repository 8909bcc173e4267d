import * as tf from '@tensorflow/tfjs-core';
import { activeBackend, useBackend } from './index.js';

// Importing gsa's backends must not leave an uninitialised backend in charge:
// tensor code that runs before useBackend (decoding, a contact sheet) works on cpu.
describe('importing @gsa/backends', () => {
  it('lets tensor ops run before useBackend, on cpu', () => {
    expect(activeBackend()).toBeUndefined();
    const sum = tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4]));
    expect(Array.from(sum.dataSync())).toEqual([4, 6]);
    expect(tf.getBackend()).toBe('cpu');
    sum.dispose();
  });

  it('still starts wasm, with its training kernels, when asked', async () => {
    const info = await useBackend('wasm', { threads: 1 });
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(info.addedKernels).toContain('Conv2DBackpropFilter');
  });
});
