import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { Json, JsonObject } from './cell-key.js';

/**
 * A cell's result may carry small files under `files`: name -> text, or
 * `{ base64 }` for binary content (a PNG map). They travel with the result
 * (through the queue too, so distributed workers need no shared disk) and are
 * written under `<outDir>/cells/<key>/` by whoever records the result; the
 * ledger keeps only their names.
 */
export type CellFile = string | { base64: string };

const safeName = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
let stagings = 0;

/** Where a cell's files live. */
export function cellDirectory(outDir: string, key: string): string {
  return join(resolve(outDir), 'cells', key);
}

function fileContent(key: string, name: string, value: Json): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    typeof value.base64 === 'string'
  ) {
    return Buffer.from(value.base64, 'base64');
  }
  throw new Error(`cell ${key}: file ${name} must be a string or { base64: string }`);
}

/**
 * Writes `result.files` (if it is a name -> content map) under
 * `<outDir>/cells/<key>/` and returns the result with `files` replaced by the
 * sorted list of names. The directory appears at once, complete (written
 * aside, then renamed); if it already exists (a duplicate result) the first
 * one stays. A result without inline files is returned unchanged.
 */
export function storeCellFiles(outDir: string, key: string, result: JsonObject): JsonObject {
  const files = result.files;
  if (files === undefined || Array.isArray(files)) return result;
  if (files === null || typeof files !== 'object') {
    throw new Error(`cell ${key}: result.files must map file names to contents`);
  }
  const entries = Object.entries(files);
  for (const [name] of entries) {
    if (!safeName.test(name)) {
      throw new Error(
        `cell ${key}: file name ${JSON.stringify(name)} is not allowed: use letters, digits, '.', '_' and '-' only`,
      );
    }
  }
  const contents = entries.map(([name, value]) => [name, fileContent(key, name, value)] as const);
  const target = cellDirectory(outDir, key);
  const cells = join(resolve(outDir), 'cells');
  // Unique per call (pid, counter, random): two recorders of one key, even in
  // one process, each fill their own staging folder.
  const staging = join(
    cells,
    `.${key}.${process.pid}.${++stagings}.${randomBytes(4).toString('hex')}`,
  );
  mkdirSync(cells, { recursive: true });
  // Not recursive: an existing folder of that name is an error, never shared.
  mkdirSync(staging);
  try {
    // write-file-atomic fsyncs each file, so the rename never publishes unflushed data.
    for (const [name, content] of contents) writeFileAtomic.sync(join(staging, name), content);
    try {
      renameSync(staging, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { ...result, files: entries.map(([name]) => name).sort() };
}
