/** The store interface, resources: FHIR resources produced by the flows, upserted by type + deterministic id. */
import type { AuditEntry } from './audit.js';
import type { Resource } from 'fhir/r4.js';

export interface UpsertResult {
  versionId: number;
  /** 'created' (new id), 'updated' (content changed), 'unchanged' (same content again). */
  outcome: 'created' | 'updated' | 'unchanged';
  lastUpdated: string;
  /**
   * JSON.stringify of the resource as it was given (the text stored, or found stored unchanged):
   * a caller that also needs the text of something holding the same object takes it from here
   * instead of serializing the resource again (src/runtime/bundle-text.ts). An engine may leave it out.
   */
  json?: string | undefined;
}

export interface StoredResource {
  resource: Resource;
  versionId: number;
  lastUpdated: string;
  messageId: number | null;
}

/** One version of a resource (FHIR vread, _history): a tombstone when it records a delete. */
export interface ResourceVersion {
  resourceType: string;
  id: string;
  versionId: number;
  lastUpdated: string;
  /** Absent for a delete (tombstone). */
  resource: Resource | null;
  deleted: boolean;
}

export interface HistoryQuery {
  /** Versions written at or after this instant (ISO). */
  since?: string | undefined;
  /** Newest first; bounded by the engine (at most 1000). */
  limit?: number | undefined;
  offset?: number | undefined;
}

/** One condition of a search (R4 search parameter types); a search is an AND of OR-groups of them. */
export type SearchCondition =
  /** system undefined: any system; null: no system (`|code`); code undefined: any code of the system (`system|`). */
  | { kind: 'token'; param: string; system?: string | null | undefined; code?: string | undefined; text?: string | undefined; not?: boolean | undefined }
  /** value already folded (lower case, no accents) for prefix and contains; as given for exact. */
  | { kind: 'string'; param: string; mode: 'prefix' | 'contains' | 'exact'; value: string }
  | { kind: 'reference'; param: string; value: string }
  /** The search range [lo, hi) and the prefix (eq, ne, lt, gt, le, ge, sa, eb; ap comes widened as eq-overlap `ap`). */
  | { kind: 'date'; param: string; prefix: string; lo: string; hi: string }
  /**
   * A quantity: the number's range [lo, hi] (eq, ne, ap) or the number itself (gt, lt, ge, le, sa, eb),
   * compared with the stored number; with `canonicalUnit`, all three are in UCUM base units and
   * compared with the canonical number of that unit. `code` matches the code, or the unit when no system is given.
   */
  | { kind: 'quantity'; param: string; prefix: string; value: number; lo: number; hi: number; system?: string | undefined; code?: string | undefined; canonicalUnit?: string | undefined }
  /** `param:missing=true` (no value indexed) or `false` (some value). */
  | { kind: 'missing'; param: string; missing: boolean }
  /** A chain of one level (`patient.identifier=x`): `param` refers to a `target` resource meeting `where` (AND of OR-groups). */
  | { kind: 'chain'; param: string; target: string; where: SearchCondition[][] }
  /**
   * Reverse chaining (`_has:Observation:patient:code=x`): some `type` resource whose reference
   * parameter `param` points to this one meets `where` (AND of OR-groups, on `type`).
   */
  | { kind: 'has'; type: string; param: string; where: SearchCondition[][] }
  | { kind: 'id'; value: string }
  | { kind: 'lastUpdated'; prefix: string; lo: string; hi: string };

export type SearchSort =
  | { by: '_lastUpdated' | '_id'; desc: boolean }
  /** column: which index column the parameter's values are in (value: token, string, reference; date: lo/hi; num: quantity). */
  | { by: 'param'; param: string; column: 'value' | 'date' | 'num'; desc: boolean };

export interface ResourceSearch {
  type: string;
  /** AND of groups, each an OR of conditions. */
  where: SearchCondition[][];
  /** Sort keys in order (default: newest first). A parameter sorts by its smallest value ascending, its largest descending; resources without a value come last. */
  sort?: SearchSort[] | undefined;
  /** Bounded by the engine (at most 1000). */
  limit: number;
  offset: number;
  /** Count every match (Bundle.total). */
  total: boolean;
}

export interface ResourceKey { type: string; id: string }

export interface UpsertOptions {
  /**
   * Inside a transaction: called between the slices of a long write (a resource with thousands of
   * search index rows, e.g. the DiagnosticReport of a 10,000-OBX ORU), so the caller can give the
   * event loop a turn (src/runtime/pause.ts). The transaction owns the store meanwhile: nothing else
   * is written in between, and a rollback still undoes the whole write. An engine whose writes
   * await anyway (PostgreSQL) need not call it; outside a transaction it is not called.
   */
  pause?: (() => Promise<void> | undefined) | undefined;
}

export interface ResourceStore {
  upsert(resource: Resource, messageId: number | null, now?: Date, opts?: UpsertOptions): Promise<UpsertResult>;
  get(type: string, id: string): Promise<StoredResource | undefined>;
  /**
   * `get` answered at once, where the engine's reads are synchronous underneath (SQLite) and only
   * on a transaction's tables (it reads what the transaction wrote so far). With it, a flow that
   * reads stored resources runs once instead of once per round of fetches
   * (src/flows/stored-lookup.ts). Absent elsewhere (PostgreSQL, the store outside a transaction).
   */
  getSync?(type: string, id: string): StoredResource | undefined;
  /**
   * The id a stored Patient's `replaced-by` link names (it was merged into that one, ADT^A40/A47),
   * or undefined when it is not stored or not retired: what persisting a Patient checks first
   * (src/runtime/persist.ts survivorOf). Cheaper than `get`: a Patient that was never merged (most)
   * is not parsed (`replacedByOf`).
   */
  replacedBy(patientId: string): Promise<string | undefined>;
  /** Every stored resource other than a Patient that holds this exact `reference` (`Patient/abc`): what a merge re-points. */
  referencing(reference: string): Promise<StoredResource[]>;
  /** Ids of resources of a type carrying identifier system|value (any system when absent). */
  findByIdentifier(type: string, system: string | undefined, value: string): Promise<string[]>;
  /** Ids of resources of a type whose top-level primitive element equals value (e.g. Coverage.subscriberId). */
  findByElement(type: string, element: string, value: string): Promise<string[]>;
  /** Every resource of a type, by id. */
  listOfType<T extends Resource = Resource>(type: string): Promise<T[]>;
  /** Every id of a type, sorted. */
  idsOfType(type: string): Promise<string[]>;
  count(type?: string): Promise<number>;
  /**
   * Delete: the resource leaves the current set and its history gets a tombstone version.
   * Resolves with the tombstone's version, or undefined when there was nothing to delete.
   */
  remove(type: string, id: string, now?: Date): Promise<{ versionId: number; lastUpdated: string } | undefined>;
  /** Versions of one resource, newest first (tombstones included). */
  history(type: string, id: string, q?: HistoryQuery): Promise<ResourceVersion[]>;
  /** Versions of every resource of a type (or of every type when undefined), newest first. */
  typeHistory(type: string | undefined, q?: HistoryQuery): Promise<ResourceVersion[]>;
  countHistory(type: string | undefined, id?: string, since?: string): Promise<number>;
  /**
   * Resources of a type matching the search's conditions, through the search index. With `audit`,
   * that audit row is written with the search (durable as AuditStore.record's when this resolves)
   * and its id comes back as `auditId`: on PostgreSQL in the search's own statement, one round trip
   * (src/http/audit.ts auditAhead says why). If the call rejects, the error carries `auditId` when
   * the row was written all the same, and none when it was not.
   */
  search(q: ResourceSearch, opts?: { audit?: AuditEntry | undefined }): Promise<{ total?: number | undefined; resources: StoredResource[]; auditId?: number | undefined }>;
  /**
   * Rewrite the search index of up to `limit` current resources (of `type`, or of every type) that
   * come after `after` in (type, id) order, from their stored JSON, in one transaction: what
   * `frontdesk reindex` runs after a change to the indexed search parameters. `last` is where the
   * next call goes on from (undefined when no resource was left).
   */
  reindex(after: ResourceKey | undefined, opts: { type?: string | undefined; limit: number }): Promise<{ resources: number; rows: number; last?: ResourceKey | undefined }>;
  /** One version (vread). */
  version(type: string, id: string, versionId: number): Promise<ResourceVersion | undefined>;
}


/**
 * ResourceStore.replacedBy from a stored Patient's JSON text: the text of a Patient without a
 * `replaced-by` link does not hold that string (JSON.stringify escapes nothing in it), so it is not
 * parsed (per message, the Patient's JSON.parse was ~5% of an ADT^A04's processing commit, #17).
 */
export function replacedByOf(text: string | undefined): string | undefined {
  if (text === undefined || !text.includes('"replaced-by"')) return undefined;
  const p = JSON.parse(text) as { link?: Array<{ type?: string; other?: { reference?: string } }> };
  return p.link?.find((l) => l.type === 'replaced-by')?.other?.reference?.replace(/^Patient\//, '');
}
