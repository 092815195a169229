/**
 * Flows read stored state through a synchronous ResourceLookup (they stay pure: no I/O, no await),
 * while the store is asynchronous. `withStoredLookup` bridges the two without changing the flows:
 * it runs the (deterministic) flow with a lookup that answers from what it has fetched so far and
 * notes every miss; then it fetches the misses. When none of them exists in the store, the run
 * already saw the truth ("not stored") and its result stands; otherwise it runs again with them.
 * A new message (nothing stored for its ids) costs one run; an update of stored resources two
 * (parse, message check, mapping and validation each time).
 * Inside a transaction, reads see the transaction's own earlier writes (an A08 after its A04 in
 * the same group commit finds the patient).
 *
 * A reader that can also answer at once (`sync`: a SQLite transaction's `getSync`, see
 * `storeReader`) is used directly: the flow runs once whatever is stored. Most messages of an
 * office are about patients it knows, so on the gateway's path that halves the processing of most
 * messages. The answers are the same: the transaction holds the connection while the flow runs.
 */
import type { Resource } from 'fhir/r4.js';
import type { ResourceLookup } from './types.js';

export type ReadResource = ((type: string, id: string) => Promise<Resource | undefined>) & {
  /** The same read answered at once, when the store can (see the file comment). */
  sync?: (type: string, id: string) => Resource | undefined;
};

/** A run that keeps asking for new resources after this many rounds is a bug in the flow, not a store state. */
const MAX_ROUNDS = 8;

export async function withStoredLookup<T>(read: ReadResource, run: (lookup: ResourceLookup) => T): Promise<T> {
  const known = new Map<string, Resource | null>();
  const sync = read.sync;
  if (sync) {
    // Each key read once per run, as the rounds below do.
    return run({
      get(type, id) {
        const key = `${type}/${id}`;
        let hit = known.get(key);
        if (hit === undefined) known.set(key, (hit = sync(type, id) ?? null));
        return hit ?? undefined;
      },
    });
  }
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

/** What a store's resource table offers for reading one resource (src/store/resources.ts). */
interface ResourceReads {
  get(type: string, id: string): Promise<{ resource: Resource } | undefined>;
  getSync?(type: string, id: string): { resource: Resource } | undefined;
}

/**
 * The ReadResource of a store's (or a transaction's) resource table, answering at once when it can.
 * One per message: its closures are returned by the helpers below, not bound to names (under tsx a
 * named closure costs a defineProperty of its name each time it is made: docs/profiling.md).
 */
export function storeReader(resources: ResourceReads): ReadResource {
  const read = asyncRead(resources);
  if (resources.getSync) read.sync = syncRead(resources);
  return read;
}

function asyncRead(resources: ResourceReads): ReadResource {
  return async (type: string, id: string) => (await resources.get(type, id))?.resource;
}

function syncRead(resources: ResourceReads): NonNullable<ReadResource['sync']> {
  return (type: string, id: string) => resources.getSync!(type, id)?.resource;
}
