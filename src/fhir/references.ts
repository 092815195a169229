/** Reference rewriting shared by the store (persist, transactions) and the FHIR delivery client. */

/**
 * A copy of `value` in which every `reference` found in `refMap` (a Bundle-internal fullUrl such
 * as `urn:uuid:...`, or a `Type/id`) is replaced by its mapped value.
 */
export function rewriteReferences(value: unknown, refMap: ReadonlyMap<string, string>): unknown {
  if (refMap.size === 0) return value;
  if (Array.isArray(value)) return value.map((v) => rewriteReferences(v, refMap));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const next = k === 'reference' && typeof v === 'string' && refMap.has(v) ? refMap.get(v) : rewriteReferences(v, refMap);
    // defineProperty, not assignment: a JSON key "__proto__" must stay data, never become the copy's prototype.
    Object.defineProperty(out, k, { value: next, writable: true, enumerable: true, configurable: true });
  }
  return out;
}

/** The same for a resource, which keeps its type: only `reference` strings change. */
export function withRewrittenReferences<T extends object>(resource: T, refMap: ReadonlyMap<string, string>): T {
  return rewriteReferences(resource, refMap) as T;
}
