// End-to-end: help, version, and the usage errors of every command.
import { join } from 'node:path';
import { runGsa, scratchDirectory, sharedFixture } from './cli-test-support.fixture.js';

const { data } = sharedFixture();
const scratch = scratchDirectory('cli-usage');
const gsa = (...args: string[]) => runGsa(args);

describe('gsa', () => {
  it('prints help for every command, and its version', () => {
    const help = gsa('--help');
    expect(help.status).toBe(0);
    for (const command of [
      'demo',
      'train',
      'eval',
      'predict',
      'export',
      'map',
      'experiment',
      'worker',
      'results',
      'datasets',
      'maps',
    ])
      expect(help.stdout).toContain(command);
    for (const command of ['eval', 'experiment', 'worker', 'results']) {
      const commandHelp = gsa(command, '--help');
      expect(commandHelp.status).toBe(0);
      expect(commandHelp.stdout).toContain('Examples:');
    }
    const trainHelp = gsa('train', '--help');
    expect(trainHelp.status).toBe(0);
    expect(trainHelp.stdout).toContain('--pixel-rank');
    expect(trainHelp.stdout).toContain('Examples:');
    expect(gsa('--version').stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it.each([
    [
      ['train', '--data', 'folder:/nonexistent/gsa-data', '--out', 'x'],
      1,
      /Cannot load the data 'folder:\/nonexistent\/gsa-data'/,
    ],
    [['train', '--data', 'tarball:foo', '--out', 'x'], 1, /Cannot load the data 'tarball:foo'/],
    [['train', '--data', 'folder:DATA', '--backbone', 'resnet9000', '--out', 'x'], 1, /resnet9000/],
    [
      [
        'train',
        '--data',
        'folder:DATA',
        '--attention',
        'none',
        '--cutoff-epoch',
        '3',
        '--out',
        'x',
      ],
      2,
      /--cutoff-epoch has no meaning with --attention none/,
    ],
    [
      ['train', '--data', 'folder:DATA', '--epochs', 'many'],
      2,
      /--epochs expects a number, got 'many'/,
    ],
    [
      ['train', '--data', 'folder:DATA', '--cutoff-epoch', '9', '--epochs', '2'],
      2,
      /--cutoff-epoch 9 is after the last epoch/,
    ],
    [['train', '--data', 'folder:DATA', '--attention', 'local'], 2, /argument 'local' is invalid/],
    [['predict', '--model', '/nonexistent/model', 'a.png'], 1, /gsa.json/],
    [
      ['eval', '--run', '/nonexistent/run'],
      1,
      /The run configuration is missing: \/nonexistent\/run/,
    ],
    [['experiment', '--config', '/nonexistent/grid.yaml'], 2, /Cannot read the config file/],
    [['worker'], 2, /Pass exactly one of --queue URL or --ledger FILE/],
    [['results', '/nonexistent/experiment'], 1, /holds no experiment ledger/],
    [['frobnicate'], 2, /unknown command 'frobnicate'/],
    [
      ['map', '--run', 'x', '--colormap', 'jet'],
      2,
      /argument 'jet' is invalid\. Allowed choices are viridis, magma, gray/,
    ],
    [
      ['train', '--data', 'folder:DATA', '--colormap', 'rainbow'],
      2,
      /argument 'rainbow' is invalid\. Allowed choices are viridis, magma, gray/,
    ],
    [['map', '--run', 'x', '--layer', 'block4.relu'], 2, /pass --gradcam IMAGE with it/],
  ])('%j fails with exit %i and a clear message', (args, code, message) => {
    const result = gsa(
      ...args.map((arg) => arg.replace('DATA', data).replace(/^x$/, join(scratch, 'unused'))),
    );
    expect(result.status).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/^\s+at /m); // no stack without --verbose
  });
});
