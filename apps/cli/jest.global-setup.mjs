// Once per jest run: the data and the trained run that the end-to-end files
// share (src/shared-run.fixture.ts, run through tsx: jest's globalSetup cannot
// resolve the workspace's TypeScript imports). GSA_CLI_FIXTURE tells the test
// files where they are; jest.global-teardown.mjs removes them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { URL, fileURLToPath } from 'node:url';

export default function setup() {
  const root = mkdtempSync(join(tmpdir(), 'gsa-cli-fixture-'));
  const script = fileURLToPath(new URL('./src/shared-run.fixture.ts', import.meta.url));
  const made = spawnSync(process.execPath, ['--import', 'tsx', script, root], {
    encoding: 'utf8',
  });
  if (made.status !== 0)
    throw new Error(`The CLI tests' shared run could not be made:\n${made.stderr}`);
  process.env.GSA_CLI_FIXTURE = root;
}
