import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';

/** Reads a YAML or JSON config file into a plain object (its keys are RunConfig's). */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `Cannot read the config file ${path}: ${(error as Error).message}`,
      'Check the --config path.',
    );
  }
  let value: unknown;
  try {
    value = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new UsageError(
      `The config file ${path} is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`,
      'Fix the file: one `key: value` per line, the keys of `gsa train --help` in camelCase.',
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(
      `The config file ${path} must hold a mapping of settings (key: value).`,
      'Write one `key: value` per line (e.g. `epochs: 30`), the keys of `gsa train --help` in camelCase.',
    );
  }
  return value as Record<string, unknown>;
}
