import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PipelineError } from '../errors.js';
import {
  errorCodes,
  prepareRunDirectory,
  writeError,
  writeFileAtomic,
  writeJsonAtomic,
} from './files.js';

describe('writeFileAtomic (sync)', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'gsa-cli-files-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('replaces a file whole, creating its folder, and leaves no temp file', () => {
    const path = join(directory, 'run', 'summary.json');
    writeJsonAtomic(path, { accuracy: 0.5 });
    writeJsonAtomic(path, { accuracy: 0.75 });
    writeFileAtomic(
      join(directory, 'run', 'bytes.bin'),
      new Uint8Array([9, 1, 2, 9]).subarray(1, 3),
    );
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ accuracy: 0.75 });
    expect([...readFileSync(join(directory, 'run', 'bytes.bin'))]).toEqual([1, 2]);
    expect(readdirSync(join(directory, 'run')).sort()).toEqual(['bytes.bin', 'summary.json']);
  });

  it('names the path in a PipelineError, keeping what stood there and leaving no temp file', () => {
    const path = join(directory, 'summary.json');
    // No file can be renamed over a non-empty folder.
    mkdirSync(path);
    writeFileSync(join(path, 'keep'), 'old');
    let error: unknown;
    try {
      writeJsonAtomic(path, {});
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as Error).message).toContain(`Cannot write ${path}: `);
    expect(readFileSync(join(path, 'keep'), 'utf8')).toBe('old');
    expect(readdirSync(directory)).toEqual(['summary.json']);
  });

  it('prepareRunDirectory leaves an empty run folder behind its write check', () => {
    const run = join(directory, 'run');
    prepareRunDirectory(run);
    expect(readdirSync(run)).toEqual([]);
  });
});

describe('writeError', () => {
  it('finds the system code under wrapping errors, says what to do, and keeps the cause', () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
    });
    const wrapped = new Error('Could not save the model to /runs/a/model', { cause: full });
    const error = writeError('/runs/a/model', wrapped);
    expect(error.message).toBe(
      'Cannot write /runs/a/model: Could not save the model to /runs/a/model',
    );
    expect(error.hint).toBe('The disk is full: free some space or choose another --out.');
    expect(error.cause).toBe(wrapped);
    expect(errorCodes(error)).toEqual(['ENOSPC']);
    expect(writeError('/x', new Error('odd')).hint).toBe('Check the path and permissions.');
  });
});
