import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, describeBackend, useBackend } from './index.js';

describe('useBackend', () => {
  it('activates cpu and says what it chose', async () => {
    const info = await useBackend('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info).toMatchObject({ name: 'cpu', simd: false, threads: 1 });
    expect(info.addedKernels).toContain('ResizeNearestNeighborGrad');
  });

  it('activates wasm with SIMD and the training kernels it lacks', async () => {
    const info = await useBackend('wasm', { threads: 1 });
    expect(tf.getBackend()).toBe('wasm');
    expect(info.simd).toBe(true);
    expect(info.threads).toBe(1);
    expect(info.addedKernels).toEqual(
      expect.arrayContaining([
        'Conv2DBackpropFilter',
        'DepthwiseConv2dNativeBackpropFilter',
        'MaxPoolGrad',
      ]),
    );
    for (const kernel of info.addedKernels) expect(tf.getKernel(kernel, 'wasm')).toBeDefined();
    expect(describeBackend(info)).toBe('wasm (SIMD, 1 thread)');
  });

  it('rejects an unknown name with the list of known ones', async () => {
    await expect(useBackend('tpu' as 'cpu')).rejects.toThrow(
      "Unknown backend 'tpu'. Choose one of: auto, tensorflow, webgpu, webgl, wasm, cpu.",
    );
  });

  it('explains how to get the tensorflow backend when tfjs-node is absent', async () => {
    const error = await useBackend('tensorflow').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain('npm install @tensorflow/tfjs-node-gpu');
    expect(message).toContain('gsa runs without them on wasm or cpu');
    expect((error as BackendUnavailableError).summary).toBe('not installed');
  });

  it('refuses webgl outside a browser, saying what to use instead', async () => {
    const error = await useBackend('webgl').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toContain('needs a browser');
    expect((error as BackendUnavailableError).summary).toBe('not a browser');
  });

  it('auto takes the fastest backend available and says why', async () => {
    const messages: string[] = [];
    const info = await useBackend('auto', { threads: 1, log: (message) => messages.push(message) });
    expect(info.reason).not.toContain('webgl'); // browsers only: Node's auto never tries it
    expect(messages).toEqual([`gsa: using the ${describeBackend(info)} backend (${info.reason})`]);
    if (info.name === 'webgpu') {
      // A machine with a GPU and its Vulkan driver: webgpu on a real adapter wins.
      expect(info.adapter).toBeDefined();
      return;
    }
    // No tfjs-node and no GPU adapter here: wasm is the fastest, and auto says why not webgpu.
    expect(info.name).toBe('wasm');
    expect(info.reason).toContain('tensorflow: not installed');
    expect(info.reason).toMatch(/webgpu: /);
  });

  it('refuses a thread count that is not a whole number of at least 1', async () => {
    for (const threads of [0, -2, 2.5, Number.NaN]) {
      await expect(useBackend('wasm', { threads })).rejects.toThrow(
        `threads must be a whole number of at least 1, got ${String(threads)}`,
      );
    }
  });
});
