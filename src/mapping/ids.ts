/**
 * Deterministic resource ids: the same business identity (e.g. identifier system + value)
 * always yields the same FHIR id, so replaying a message upserts the same resources.
 * FHIR ids allow [A-Za-z0-9\-\.]{1,64}; we use a type prefix and 32 hex chars of SHA-256.
 */
import { createHash } from 'node:crypto';

/**
 * The same identities recur message after message (a payer, a patient's updates), and a SHA-256
 * costs more than a map lookup: ids are remembered by their exact hash input, up to a bound.
 */
const remembered = new Map<string, string>();
const REMEMBER_AT_MOST = 10_000;

export function deterministicId(kind: string, ...parts: Array<string | number | undefined>): string {
  // The key is exactly the text hashed (the parts' updates concatenated), so a hit is the same id.
  let input = kind;
  for (const p of parts) input += '\u001f' + (p === undefined ? '' : String(p));
  const hit = remembered.get(input);
  if (hit !== undefined) return hit;
  const id = `${kind.toLowerCase()}-${createHash('sha256').update(input).digest('hex').slice(0, 32)}`;
  if (remembered.size >= REMEMBER_AT_MOST) remembered.clear();
  remembered.set(input, id);
  return id;
}
