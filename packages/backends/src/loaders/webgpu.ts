import { BackendUnavailableError } from '../errors.js';
import type { BackendInfo, UseBackendOptions } from '../types.js';
import { activate } from './cpu.js';

interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuAdapterLike {
  info?: GpuAdapterInfoLike;
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|software|basic render/i;

/**
 * webgpu: the browser's `navigator.gpu`, or in Node one provided by the npm
 * package `webgpu` (Dawn). Dawn needs a Vulkan driver; on a machine without a
 * GPU its only adapter is SwiftShader (set VK_ICD_FILENAMES), which is
 * correct but far slower than wasm.
 */
export async function loadWebgpu(options: UseBackendOptions): Promise<BackendInfo> {
  if (options.requireHardwareGpu && (await lacksGpuDevice())) {
    // Spares Dawn's Vulkan warnings on machines that plainly have no GPU.
    throw new BackendUnavailableError('webgpu', 'No GPU device was found.', {
      summary: 'no GPU device',
    });
  }
  const gpu = await findGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) {
    const inNode = typeof globalThis.process?.versions?.node === 'string';
    throw new BackendUnavailableError(
      'webgpu',
      inNode
        ? 'No WebGPU adapter was found. In Node, Dawn needs a Vulkan driver (a GPU driver, or ' +
            'SwiftShader via VK_ICD_FILENAMES); use --backend wasm otherwise.'
        : 'This browser has WebGPU but offers no adapter (no usable GPU, or WebGPU is disabled); use webgl or wasm.',
      { summary: 'no adapter' },
    );
  }
  const info = adapter.info ?? {};
  const hardware = [info.vendor, info.architecture, info.device].filter(Boolean).join(' ');
  const name = [hardware, info.description ? `(${info.description})` : '']
    .filter(Boolean)
    .join(' ');
  const software =
    info.isFallbackAdapter === true ||
    adapter.isFallbackAdapter === true ||
    SOFTWARE_ADAPTER.test(name);
  if (options.requireHardwareGpu && software) {
    throw new BackendUnavailableError(
      'webgpu',
      `Only a software adapter (${name || 'unnamed'}) was found.`,
      {
        summary: `software adapter only (${name || 'unnamed'})`,
      },
    );
  }
  await import('@tensorflow/tfjs-backend-webgpu');
  await activate('webgpu');
  return {
    name: 'webgpu',
    simd: false,
    threads: 0,
    adapter: `${name || 'unnamed adapter'}${software ? ' (software)' : ''}`,
    addedKernels: [],
  };
}

async function findGpu(): Promise<GpuLike> {
  const existing = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (existing) return existing;
  if (typeof globalThis.process?.versions?.node !== 'string') {
    throw new BackendUnavailableError(
      'webgpu',
      'This browser does not expose navigator.gpu (WebGPU).',
      {
        summary: 'no navigator.gpu',
      },
    );
  }
  let dawn: { create: (flags: string[]) => GpuLike; globals: Record<string, unknown> };
  try {
    const specifier = 'webgpu';
    dawn = (await import(specifier)) as typeof dawn;
  } catch (error) {
    throw new BackendUnavailableError(
      'webgpu',
      "The webgpu backend in Node needs the optional package 'webgpu' (Dawn): npm install webgpu",
      { cause: error, summary: "package 'webgpu' not installed" },
    );
  }
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  Object.defineProperty(globalThis, 'navigator', {
    configurable: true,
    value: { ...(globalThis.navigator ?? {}), gpu },
  });
  return gpu;
}

/** Linux without /dev/dri or /dev/nvidiactl has no GPU Dawn could use. */
async function lacksGpuDevice(): Promise<boolean> {
  if (globalThis.process?.platform !== 'linux') return false;
  const { existsSync } = await import('node:fs');
  return !['/dev/dri', '/dev/nvidiactl', '/dev/nvidia0'].some((path) => existsSync(path));
}
