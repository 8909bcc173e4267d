import { createHash } from 'node:crypto';

/** A JSON value: what a cell's config and result are made of. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A JSON object: a cell's config or result. */
export type JsonObject = { [key: string]: Json };

/**
 * Canonical JSON: object keys sorted at every depth, no whitespace. Two configs
 * that differ only in key order give the same text, hence the same cell key.
 * Throws on values JSON cannot carry faithfully (NaN, Infinity, undefined,
 * functions, class instances) instead of silently changing the hash.
 */
export function canonicalJson(value: Json): string {
  return canonical(value, '$');
}

function canonical(value: unknown, path: string): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new Error(
        `cell config ${path} is ${value}: only finite numbers can be hashed; use null or a string`,
      );
    }
    // -0 and 0 are the same config.
    return JSON.stringify(value === 0 ? 0 : value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item, index) => canonical(item, `${path}[${index}]`)).join(',')}]`;
  }
  if (typeof value === 'object') {
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype !== Object.prototype && prototype !== null) {
      throw new Error(
        `cell config ${path} is a ${(value as object).constructor?.name ?? 'class instance'}: only plain JSON objects can be hashed`,
      );
    }
    const entries = Object.keys(value)
      .sort()
      .map((key) => {
        const item = (value as Record<string, unknown>)[key];
        if (item === undefined) {
          throw new Error(`cell config ${path}.${key} is undefined: remove the key or use null`);
        }
        return `${JSON.stringify(key)}:${canonical(item, `${path}.${key}`)}`;
      });
    return `{${entries.join(',')}}`;
  }
  throw new Error(`cell config ${path} is a ${typeof value}: only JSON values can be hashed`);
}

/** The cell's identity: sha256 (hex) of its config's canonical JSON. */
export function cellKey(config: Json): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}
