import { useBackend } from '../use-backend.js';
import type { BackendName } from '../types.js';

type SuiteFunction = (name: string, body: () => void) => void;
type HookFunction = (body: () => Promise<void> | void, timeout?: number) => void;

interface TestRunnerGlobals {
  describe?: SuiteFunction;
  beforeAll?: HookFunction;
}

/**
 * The backends numeric tests run on: cpu and wasm always; webgpu with
 * GSA_TEST_WEBGPU=1; tensorflow (tfjs-node) with GSA_TEST_TENSORFLOW=1.
 */
export function testBackends(env: Record<string, string | undefined> = process.env): BackendName[] {
  const names: BackendName[] = ['cpu', 'wasm'];
  if (env.GSA_TEST_WEBGPU === '1') names.push('webgpu');
  if (env.GSA_TEST_TENSORFLOW === '1') names.push('tensorflow');
  return names;
}

/** wasm threads in tests: 1 (test files already run in parallel) unless GSA_TEST_WASM_THREADS says. */
function testWasmThreads(env: Record<string, string | undefined> = process.env): number {
  const requested = Number(env.GSA_TEST_WASM_THREADS ?? 1);
  return Number.isInteger(requested) && requested > 0 ? requested : 1;
}

/**
 * One spec, many backends (after tfjs's `describeWithFlags`): declares `body`
 * once per backend in `testBackends()`, each suite switching to its backend
 * before its tests run. Works with any runner that has global `describe` and
 * `beforeAll` (Jest, Vitest with globals, Mocha's `before` aside).
 */
export function describeWithBackends(
  name: string,
  body: (backend: BackendName) => void,
  options: { backends?: BackendName[] } = {},
): void {
  const runner = globalThis as TestRunnerGlobals;
  if (runner.describe === undefined || runner.beforeAll === undefined) {
    throw new Error(
      'describeWithBackends needs a test runner with global describe and beforeAll (Jest, Vitest).',
    );
  }
  const { describe, beforeAll } = runner;
  for (const backend of options.backends ?? testBackends()) {
    describe(`${name} [${backend}]`, () => {
      beforeAll(async () => {
        await useBackend(backend, { threads: testWasmThreads() });
      }, 120_000);
      body(backend);
    });
  }
}
