// Reading a .npz file from disk (Node); the parsing is npy.ts's, universal.
import { readFile } from 'node:fs/promises';
import { DataError } from '../errors.js';
import { parseNpz, type NpyArray } from './npy.js';

/**
 * Reads the arrays of a .npz file, keyed by name without `.npy`. `only`
 * limits which arrays are decompressed; one of them missing is an error that
 * lists the arrays the file has.
 */
export async function readNpz(
  file: string,
  only?: readonly string[],
): Promise<Map<string, NpyArray>> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new DataError(`cannot read ${file}: ${(error as Error).message}`, file, { cause: error });
  }
  return parseNpz(bytes, file, only);
}
