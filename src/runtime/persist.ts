/**
 * Writing what a message produced: FHIR resources (upsert by type + id, honouring conditional
 * create), office records, and one outbox item per destination the channel names. Runs inside
 * the caller's transaction, so outputs, queue items and the message's new state commit together
 * (a crash leaves either all of them or none, and the message is then processed again).
 *
 * Idempotency keys carry the message id, the destination and a hash of the payload: replaying a
 * message that yields the same output queues nothing new; a replay after a fix that changes the
 * output queues the corrected payload.
 */
import { createHash } from 'node:crypto';
import type { Bundle, BundleEntry, Patient, Resource } from 'fhir/r4.js';
import type { StoreTables } from '../store/index.js';
import { issue, type Issue } from '../domain/issues.js';
import type { ChannelDestination } from '../config.js';
import type { FlowOutput } from '../flows/types.js';
import { messageOutputId } from '../fhir/ids.js';
import { rewriteReferences } from '../fhir/references.js';
import { parseIdentifierQuery } from '../fhir/identifier-query.js';
import { queueGeneratedHl7 } from '../delivery/outbound-hl7.js';
import type { OutboundHl7Settings } from '../delivery/config.js';
import type { FlowContext } from '../flows/types.js';
import type { ResourceChange } from '../flows/outbound/events.js';
import { eventLoopPause } from './pause.js';
import { bundleTextOf } from './bundle-text.js';

export interface PersistInput {
  messageId: number;
  raw: string;
  rawContentType: string;
  output: FlowOutput;
  destinations: readonly ChannelDestination[];
  /** Payload "hl7v2": the MLLP destination's header settings and the practice context the messages are built in (stored resources are read from the store). */
  outbound?: { settings(destination: string): OutboundHl7Settings | undefined; ctx: Omit<FlowContext, 'lookup'> } | undefined;
  /** No outcome was ever recorded for the message (ProcessingRow.processedAt null): no office records of an earlier run to replace. */
  first?: boolean | undefined;
  /** JSON.stringify(output.bundle) when already made (by the processing worker thread), or how to get it. */
  bundleJson?: string | (() => string) | undefined;
}

export interface EntryOutcome {
  resourceType: string;
  id: string;
  versionId: number;
  /** HTTP-style status for a transaction-response: 201 created, 200 updated/unchanged/existing. */
  status: '201 Created' | '200 OK';
  lastUpdated: string;
}

export interface PersistResult {
  entries: EntryOutcome[];
  queued: number;
  /** What persisting decided that the sender should hear (a message filed under a merged record's survivor). */
  issues: Issue[];
  /** `Type/id` of stored resources re-pointed from a retired Patient to its survivor. */
  repointed: string[];
  /**
   * JSON.stringify(output.bundle), made from the texts the store wrote or compared for its
   * resources when each entry's resource was stored as it is in the Bundle (./bundle-text.ts), by
   * serializing it otherwise. Ask right after persisting: it is the Bundle as stored.
   */
  bundleJson(): string;
  /** JSON.stringify(output.office) as stored (after a merge noted what it re-pointed), from the store's texts of the records. */
  officeJson: string;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

/** The tables persisting writes: the caller's transaction (or savepoint). */
export type PersistTables = Pick<StoreTables, 'resources' | 'officeRecords' | 'outbox' | 'controlIds'>;

export async function persistOutput(db: PersistTables, p: PersistInput, now: Date = new Date()): Promise<PersistResult> {
  // Generated HL7v2 picks its trigger event from what this output changes: read the stored state first.
  const generates = p.destinations.some((d) => d.payload === 'hl7v2');
  const before = generates ? await storedBefore(db, p.output.bundle.entry ?? []) : undefined;
  const issues: Issue[] = [];
  // A merge (ADT^A40/A47, its office merge instruction): the retired Patient is written as the
  // flow made it; then every stored reference to it moves to the survivor, each as a new version,
  // and the merge instruction lists them. A replay of the merge finds nothing left to move.
  const retired = p.output.office
    .filter((r) => r.recordType === 'merge-instruction')
    .map((r) => ({ retired: String(r.retiredPatientId), survivor: String(r.survivingPatientId) }));
  const { entries, texts } = await persistEntries(db, p.output.bundle.entry ?? [], p.messageId, now, issues, new Set(retired.map((r) => r.retired)));
  const bundleJson = bundleJsonOf(p, texts);
  const repointed: string[] = [];
  for (const r of retired) {
    const moved = await repointReferences(db, r.retired, r.survivor, p.messageId, now);
    repointed.push(...moved);
    for (const rec of p.output.office) {
      if (rec.recordType === 'merge-instruction' && rec.retiredPatientId === r.retired) rec.repointed = moved;
    }
  }
  const officeTexts = await db.officeRecords.replace(p.messageId, p.output.office, now, { first: p.first === true });
  let queued = 0;
  const orderingKey = orderingKeyOf(p.output.bundle);
  for (const d of p.destinations) {
    const items: Array<{ kind: string; payload: string; contentType: string; part: string }> = [];
    if (d.payload === 'hl7v2') {
      const settings = p.outbound?.settings(d.name);
      if (!settings || !p.outbound) throw new Error(`destination "${d.name}" takes payload hl7v2 but is not an MLLP destination`);
      const changes = resourceChanges(p.output.bundle.entry ?? [], entries, before!);
      queued += (await queueGeneratedHl7(db, { messageId: p.messageId, destination: d.name, settings, office: p.output.office, changes, bundle: p.output.bundle, ctx: p.outbound.ctx }, now)).queued;
      continue;
    }
    if (d.payload === 'bundle') {
      items.push({ kind: 'fhir-bundle', payload: bundleJson(), contentType: 'application/fhir+json', part: 'bundle' });
    } else if (d.payload === 'office') {
      officeTexts.forEach((text, i) => items.push({ kind: 'office-record', payload: text, contentType: 'application/json', part: `office-${i}` }));
    } else {
      items.push({ kind: p.rawContentType === 'application/hl7-v2' ? 'hl7v2' : 'raw', payload: p.raw, contentType: p.rawContentType, part: 'raw' });
    }
    for (const it of items) {
      await db.outbox.enqueue({
        destination: d.name,
        kind: it.kind,
        payload: it.payload,
        contentType: it.contentType,
        idempotencyKey: `msg-${p.messageId}:${d.name}:${it.part}:${sha(it.payload)}`,
        ...(orderingKey ? { orderingKey } : {}),
        messageId: p.messageId,
      }, now);
      queued++;
    }
  }
  // The array's text from its elements' (each an object: JSON.stringify writes an array so).
  return { entries, queued, issues, repointed, bundleJson, officeJson: `[${officeTexts.join(',')}]` };
}

/**
 * PersistResult.bundleJson: made when first asked, then kept. Returned, not bound to a name: under
 * tsx a named closure made per message costs a defineProperty of its name (docs/profiling.md).
 */
function bundleJsonOf(p: PersistInput, texts: ReadonlyArray<string | undefined>): () => string {
  let text: string | undefined;
  return () => (text ??= (typeof p.bundleJson === 'function' ? p.bundleJson() : p.bundleJson) ?? bundleTextOf(p.output.bundle, texts));
}

/** Move every stored reference to Patient/<retired> onto Patient/<survivor>; returns what moved (`Type/id`). */
async function repointReferences(db: PersistTables, retired: string, survivor: string, messageId: number, now: Date): Promise<string[]> {
  const from = `Patient/${retired}`;
  const map = new Map([[from, `Patient/${survivor}`]]);
  const moved: string[] = [];
  for (const s of await db.resources.referencing(from)) {
    const next = rewriteReferences(s.resource, map) as Resource;
    const u = await db.resources.upsert(next, messageId, now);
    if (u.outcome !== 'unchanged') moved.push(`${next.resourceType}/${next.id}`);
  }
  return moved;
}

/** The Patient a stored Patient was merged into (following replaced-by links), or undefined when it is not retired. */
export async function survivorOf(db: Pick<StoreTables, 'resources'>, patientId: string): Promise<string | undefined> {
  let id = patientId;
  for (let hop = 0; hop < 8; hop++) {
    const next = await db.resources.replacedBy(id);
    if (!next || next === patientId) break;
    id = next;
  }
  return id === patientId ? undefined : id;
}

/** The stored version of each entry's resource before this output is written (by `Type/id`). */
async function storedBefore(db: PersistTables, bundleEntries: readonly BundleEntry[]): Promise<Map<string, { resource: Resource; versionId: number }>> {
  const out = new Map<string, { resource: Resource; versionId: number }>();
  for (const e of bundleEntries) {
    const r = e.resource as Resource | undefined;
    if (!r?.id) continue;
    const s = await db.resources.get(r.resourceType, r.id);
    if (s) out.set(`${r.resourceType}/${r.id}`, { resource: s.resource, versionId: s.versionId });
  }
  return out;
}

/** What writing the output did to each resource: created, updated (new version) or unchanged. */
function resourceChanges(bundleEntries: readonly BundleEntry[], entries: readonly EntryOutcome[], before: Map<string, { resource: Resource; versionId: number }>): ResourceChange[] {
  return entries.map((e, i) => {
    const key = `${e.resourceType}/${e.id}`;
    const prior = before.get(key);
    const current = bundleEntries.find((b) => b.resource?.resourceType === e.resourceType && b.resource.id === e.id)?.resource ?? bundleEntries[i]?.resource;
    const change = !prior ? (e.status === '201 Created' ? 'created' : 'unchanged') : e.versionId > prior.versionId ? 'updated' : 'unchanged';
    return { resourceType: e.resourceType, id: e.id, change, prior: prior?.resource, current };
  });
}

interface PlannedEntry {
  resource: Resource;
  /** Its entry's place in the Bundle. */
  index?: number;
  /** Set when a conditional create matched a stored resource, which is then left as it is. */
  existing?: EntryOutcome;
}

/**
 * Two passes: first decide each entry's id (a conditional create that matches keeps the stored
 * resource's id), then rewrite Bundle-internal references (`urn:uuid:` fullUrls) to `Type/id`
 * and upsert, so stored resources reference each other the way a FHIR server would store them.
 */
async function persistEntries(db: PersistTables, bundleEntries: readonly BundleEntry[], messageId: number, now: Date, issues: Issue[], retiringNow: ReadonlySet<string>): Promise<{ entries: EntryOutcome[]; texts: Array<string | undefined> }> {
  const planned: PlannedEntry[] = [];
  const refMap = new Map<string, string>();
  const pause = eventLoopPause();
  for (const [i, e] of bundleEntries.entries()) {
    await pause();
    let p = await planEntry(db, e, messageId, i);
    if (!p) continue;
    let id = p.existing?.id ?? p.resource.id!;
    if (p.resource.resourceType === 'Patient' && !retiringNow.has(id)) {
      // A later message that still names a merged (retired) record lands on the survivor: the
      // retired Patient is left as it is and every reference to it in this bundle moves.
      const survivor = await survivorOf(db, id);
      if (survivor) {
        issues.push(issue('MAP_INFO', `Patient ${id} was merged into Patient ${survivor} (ADT^A40/A47); this message is filed under the surviving record and the retired one is not updated.`, 'PID.3', 'warning'));
        refMap.set(`Patient/${id}`, `Patient/${survivor}`);
        const kept = (await db.resources.get('Patient', survivor))!;
        p = { resource: p.resource, existing: { resourceType: 'Patient', id: survivor, versionId: kept.versionId, status: '200 OK', lastUpdated: kept.lastUpdated } };
        id = survivor;
      }
    }
    const target = `${p.resource.resourceType}/${id}`;
    // A fullUrl that already is `Type/id` (PUT bundles) rewrites to itself: not entered, so a
    // bundle without urn:uuid references is stored without copying every resource.
    if (e.fullUrl && e.fullUrl !== target) refMap.set(e.fullUrl, target);
    else if (e.fullUrl) refMap.delete(e.fullUrl);
    planned.push({ ...p, index: i });
  }
  const entries: EntryOutcome[] = [];
  /** Each entry's resource's text as the store wrote or compared it, where that resource is the entry's own object (no id given, no reference rewritten). */
  const texts = new Array<string | undefined>(bundleEntries.length);
  for (const p of planned) {
    await pause();
    if (p.existing) {
      entries.push(p.existing);
      continue;
    }
    const resource = rewriteReferences(p.resource, refMap) as Resource;
    // A resource with thousands of references (a 10,000-result DiagnosticReport) took a while to rewrite.
    await pause();
    const u = await db.resources.upsert(resource, messageId, now, { pause });
    entries.push({ resourceType: resource.resourceType, id: resource.id!, versionId: u.versionId, status: u.outcome === 'created' ? '201 Created' : '200 OK', lastUpdated: u.lastUpdated });
    if (resource === bundleEntries[p.index!]?.resource) texts[p.index!] = u.json;
  }
  return { entries, texts };
}

async function planEntry(db: PersistTables, e: BundleEntry, messageId: number, index: number): Promise<PlannedEntry | undefined> {
  const r = e.resource as Resource | undefined;
  if (!r || typeof r.resourceType !== 'string') return undefined;
  const method = e.request?.method ?? 'PUT';
  if (method === 'DELETE' || method === 'GET' || method === 'HEAD') return undefined;
  const resource: Resource = r.id ? r : { ...r, id: messageOutputId(r.resourceType, messageId, index) };
  // Conditional create: an existing match (same id, or the identifier in ifNoneExist) is kept as
  // it is, so a sparse Patient from a lab result never overwrites the registered one.
  if (method === 'POST' && e.request?.ifNoneExist) {
    const kept = (id: string, found: { versionId: number; lastUpdated: string }): PlannedEntry =>
      ({ resource, existing: { resourceType: resource.resourceType, id, versionId: found.versionId, status: '200 OK', lastUpdated: found.lastUpdated } });
    const same = await db.resources.get(resource.resourceType, resource.id!);
    if (same) return kept(resource.id!, same);
    const ident = parseIdentifierQuery(e.request.ifNoneExist);
    if (ident) {
      const ids = await db.resources.findByIdentifier(resource.resourceType, ident.system, ident.value);
      const found = ids.length >= 1 ? await db.resources.get(resource.resourceType, ids[0]!) : undefined;
      if (found) return kept(ids[0]!, found);
    }
  }
  return { resource };
}

/** Per-patient ordering for the outbox: the bundle's Patient, else the first subject/patient reference. */
export function orderingKeyOf(bundle: Bundle): string | undefined {
  for (const e of bundle.entry ?? []) {
    const r = e.resource;
    if (r?.resourceType === 'Patient' && r.id) return `Patient/${r.id}`;
  }
  for (const e of bundle.entry ?? []) {
    const r = e.resource as unknown as { subject?: { reference?: string }; patient?: { reference?: string } } | undefined;
    const ref = r?.subject?.reference ?? r?.patient?.reference;
    if (ref) return ref;
  }
  return undefined;
}
