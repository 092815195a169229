/**
 * Deterministic resource ids: the same business identity (e.g. identifier system + value)
 * always yields the same FHIR id, so replaying a message upserts the same resources.
 * FHIR ids allow [A-Za-z0-9\-\.]{1,64}; we use a type prefix and 32 hex chars of SHA-256.
 */
import { createHash } from 'node:crypto';

export function deterministicId(kind: string, ...parts: Array<string | number | undefined>): string {
  const h = createHash('sha256');
  h.update(kind);
  for (const p of parts) h.update('\u001f' + (p === undefined ? '' : String(p)));
  return `${kind.toLowerCase()}-${h.digest('hex').slice(0, 32)}`;
}
