// Prints one closing line for the whole repo from the counts the Jest
// summary reporter left in .test-results/: "tests: N passed, N failed, N skipped".
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const directory = resolve(dirname(fileURLToPath(import.meta.url)), '../../.test-results');
const totals = { passed: 0, failed: 0, skipped: 0 };
const files = existsSync(directory)
  ? readdirSync(directory).filter((file) => file.endsWith('.json'))
  : [];
for (const file of files) {
  const counts = JSON.parse(readFileSync(resolve(directory, file), 'utf8'));
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
}
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exitCode = files.length === 0 || totals.failed > 0 ? 1 : 0;
