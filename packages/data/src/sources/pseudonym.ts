// Patient identifiers become salted hashes before they reach an ImageSet, so
// that grouping works (one patient, one group) without the identifier itself
// ever reaching a log, report or run directory.
import { createHash, createHmac } from 'node:crypto';

/**
 * A key derived from the data's own identifiers (sorted, deduplicated): the
 * same files give the same key, hence the same groups and splits, every time;
 * someone who holds only the outputs cannot recompute it.
 */
export function derivedSalt(identifiers: Iterable<string>): string {
  const hash = createHash('sha256');
  for (const id of [...new Set(identifiers)].sort()) hash.update(id).update('\0');
  return hash.digest('hex');
}

/** `prefix-` and the first 16 hex digits of HMAC-SHA256(salt, value). */
export function pseudonym(value: string, salt: string, prefix: string): string {
  return `${prefix}-${createHmac('sha256', salt).update(value).digest('hex').slice(0, 16)}`;
}
