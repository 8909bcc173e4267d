import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from '../errors.js';
import type { BackendInfo, UseBackendOptions } from '../types.js';
import { activate } from './cpu.js';

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|software|basic render/i;

/**
 * webgl: `@tensorflow/tfjs-backend-webgl` on the browser's WebGL 2 (or 1).
 * Browsers only: Node has no WebGL context. Where the GPU is blocklisted,
 * browsers such as Chromium fall back to SwiftShader (software), which is
 * correct and far slower than a GPU; `adapter` names the renderer so the
 * page can say which one runs.
 */
export async function loadWebgl(options: UseBackendOptions): Promise<BackendInfo> {
  if (typeof globalThis.process?.versions?.node === 'string' || typeof document === 'undefined') {
    throw new BackendUnavailableError(
      'webgl',
      'The webgl backend needs a browser (WebGL); in Node use wasm, cpu, webgpu or tensorflow.',
      { summary: 'not a browser' },
    );
  }
  const renderer = webglRenderer();
  if (renderer === undefined) {
    throw new BackendUnavailableError('webgl', 'This browser has no WebGL context.', {
      summary: 'no WebGL context',
    });
  }
  if (options.requireHardwareGpu && SOFTWARE_RENDERER.test(renderer)) {
    throw new BackendUnavailableError(
      'webgl',
      `Only a software renderer (${renderer}) was found.`,
      {
        summary: `software renderer only (${renderer})`,
      },
    );
  }
  await import('@tensorflow/tfjs-backend-webgl');
  await activate('webgl');
  const version = tf.env().getNumber('WEBGL_VERSION');
  return {
    name: 'webgl',
    simd: false,
    threads: 0,
    adapter: `WebGL ${version}${renderer ? `, ${renderer}` : ''}`,
    addedKernels: [],
  };
}

/** The renderer string of a throwaway WebGL context, '' when hidden, undefined without WebGL. */
function webglRenderer(): string | undefined {
  const canvas = document.createElement('canvas');
  const gl = (canvas.getContext('webgl2') ??
    canvas.getContext('webgl')) as WebGLRenderingContext | null;
  if (gl === null) return undefined;
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = debug ? gl.getParameter(debug.UNMASKED_RENDERER_WEBGL) : '';
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return typeof renderer === 'string' ? renderer : '';
}
