// Makes what the CLI's end-to-end files share, in the folder given as the
// first argument: 40 synthetic images and one trained run (see sharedFixture).
// jest.global-setup.mjs runs it once per jest run, through tsx.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runGsa, trainArgs } from './cli-test-support.fixture.js';

const root = process.argv[2];
if (!root) throw new Error('usage: shared-run.fixture.ts FOLDER');
const gsa = (args: string[]) => {
  const result = runGsa(args);
  if (result.status !== 0)
    throw new Error(`gsa ${args.join(' ')} failed (exit ${result.status}):\n${result.stderr}`);
  return result;
};
const data = join(root, 'data');
gsa(['datasets', 'synth', '--out', data, '--count', '40', '--size', '16', '--difficulty', '0.1']);
const trained = gsa(trainArgs(data, join(root, 'run')));
writeFileSync(join(root, 'train.stdout'), trained.stdout);
writeFileSync(join(root, 'train.stderr'), trained.stderr);
