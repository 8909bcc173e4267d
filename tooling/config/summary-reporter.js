// A Jest reporter that records each package's counts in <repo>/.test-results/,
// so that one closing line can sum every package's tests (see .ci/run and
// tooling/config/summarize-tests.js).
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const resultsDirectory = resolve(dirname(fileURLToPath(import.meta.url)), '../../.test-results');

export default class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    mkdirSync(resultsDirectory, { recursive: true });
    const name = basename(this.rootDir);
    const counts = {
      package: name,
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    };
    writeFileSync(resolve(resultsDirectory, `${name}.json`), `${JSON.stringify(counts)}\n`);
  }
}
