/**
 * Flows read stored state through a synchronous ResourceLookup (they stay pure: no I/O, no await),
 * while the store is asynchronous. `withStoredLookup` bridges the two without changing the flows:
 * it runs the (deterministic) flow with a lookup that answers from what it has fetched so far and
 * notes every miss; then it fetches the misses. When none of them exists in the store, the run
 * already saw the truth ("not stored") and its result stands; otherwise it runs again with them.
 * A new message (nothing stored for its ids) costs one run; an update of stored resources two.
 * Inside a transaction, reads see the transaction's own earlier writes (an A08 after its A04 in
 * the same group commit finds the patient).
 */
import type { Resource } from 'fhir/r4.js';
import type { ResourceLookup } from './types.js';

export type ReadResource = (type: string, id: string) => Promise<Resource | undefined>;

/** A run that keeps asking for new resources after this many rounds is a bug in the flow, not a store state. */
const MAX_ROUNDS = 8;

export async function withStoredLookup<T>(read: ReadResource, run: (lookup: ResourceLookup) => T): Promise<T> {
  const known = new Map<string, Resource | null>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const misses = new Map<string, [string, string]>();
    const lookup: ResourceLookup = {
      get(type, id) {
        const key = `${type}/${id}`;
        const hit = known.get(key);
        if (hit !== undefined) return hit ?? undefined;
        misses.set(key, [type, id]);
        return undefined;
      },
    };
    const result = run(lookup);
    let found = false;
    for (const [key, [type, id]] of misses) {
      const r = (await read(type, id)) ?? null;
      known.set(key, r);
      if (r) found = true;
    }
    if (!found) return result;
  }
  throw new Error(`the flow still asked for new stored resources after ${MAX_ROUNDS} rounds`);
}
