// Picks the fastest tfjs backend this browser offers, through @gsa/backends
// (the only gsa package that imports a backend): WebGPU, then WebGL (on a
// real GPU; asked for by name it also runs on a software renderer such as
// SwiftShader), then wasm, then cpu.
import { describeBackend, useBackend, type BackendInfo } from '@gsa/backends';

export type BrowserBackend = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BROWSER_BACKENDS: readonly BrowserBackend[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export interface ChosenBackend {
  info: BackendInfo;
  /** e.g. "webgl (WebGL 2, ANGLE (Google, Vulkan 1.3.0 (SwiftShader ...)))". */
  description: string;
  /** Why the faster ones were passed over. */
  skipped: string[];
}

/**
 * Starts `choice`, or with 'auto' the first of WebGPU, WebGL, wasm, cpu that
 * works here. `wasmPaths`: where the site serves tfjs-backend-wasm's .wasm
 * files (copied there at build time), e.g. '/wasm/'.
 */
export async function startBackend(
  choice: BrowserBackend | 'auto',
  wasmPaths: string,
): Promise<ChosenBackend> {
  const order = choice === 'auto' ? BROWSER_BACKENDS : [choice];
  const skipped: string[] = [];
  for (const name of order) {
    try {
      // auto passes over software GPUs (SwiftShader): wasm is several times faster than them.
      const info = await useBackend(name, {
        wasmPaths,
        threads: 1,
        ...(choice === 'auto' && (name === 'webgpu' || name === 'webgl')
          ? { requireHardwareGpu: true }
          : {}),
      });
      return { info, description: describeBackend(info), skipped };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      skipped.push(`${name}: ${message.split('\n')[0]}`);
      if (choice !== 'auto') throw new Error(`The ${name} backend did not start: ${message}`);
    }
  }
  throw new Error(`No tfjs backend started here (${skipped.join('; ')}).`);
}
