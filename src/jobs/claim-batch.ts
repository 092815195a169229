/**
 * Daily claim batch: every active Claim in the store that has not been submitted yet (and every
 * replacement or void of a submitted one: Claim.related prior, see claimKey) becomes a
 * claim Bundle (the Claim first, then the resources it references) queued for the clearinghouse,
 * and the clearinghouse's queue is sent now. The claim's key (its business identifier, else its
 * id) fixes the outbox idempotency key `claim:<key>`, which is also the Idempotency-Key header:
 * the same claim is never queued twice and every retry carries the same key.
 *
 * A clearinghouse with an X12 identity (billing.clearinghouses.<destination>) gets X12 instead:
 * the run's claims in one 837P interchange (005010X222A1; src/x12/837p), its ISA-13/GS-06 from the
 * store's durable counters, queued as one outbox item (`x12:<destination>:<ISA-13>`) together with
 * the claims' sent rows (store.x12, what `frontdesk claims` shows and the 999/277CA/835 answer)
 * and their submission keys, in one transaction. A claim failing the claim edits is not batched:
 * it is `held` with the reason (`claims show`) and tried again next run.
 */
import type { Bundle, BundleEntry, Claim, FhirResource, Reference, Resource } from 'fhir/r4.js';
import { errorCodeOf, hasErrors, type Issue } from '../domain/issues.js';
import { claimBundleToEncounter } from '../adapters/claim-bundle.js';
import { build837p, type Batch837 } from '../x12/837p/build.js';
import { localDate } from './time.js';
import { uuidFor } from '../clients/fhir-transaction.js';
import { rewriteReferences } from '../fhir/references.js';
import type { JobDeps, JobSummary } from './context.js';
import { claims, resolveReference, type Resources } from './resources.js';
import { withWorker } from './with-worker.js';

/** The payer's claim a replacement or void names (Claim.related prior; 837P REF*F8). */
function priorClaim(c: Claim): string | undefined {
  const prior = c.related?.find((r) => r.relationship?.coding?.some((x) => x.code === 'prior'));
  return prior ? (prior.claim?.identifier?.value ?? prior.reference?.value ?? '') : undefined;
}

/**
 * The submission key: the claim's business identifier (else its id). A replacement or void keeps
 * the claim's identifier (CLM-01) and replaces the stored Claim, so its key adds what it does and
 * to which payer claim: it is sent once, after the original was.
 */
export function claimKey(c: Claim): string {
  const id = c.identifier?.find((i) => i.value);
  const base = id ? `${id.system ?? ''}|${id.value}` : `Claim/${c.id}`;
  const prior = priorClaim(c);
  return prior === undefined ? base : `${base}#${c.status === 'cancelled' ? 'void' : 'replacement'}:${prior}`;
}

/** Claims to submit: active ones, and voids (cancelled, naming the payer's claim they withdraw). */
const toSubmit = (c: Claim): boolean => c.status === 'active' || (c.status === 'cancelled' && priorClaim(c) !== undefined);

/** References a claim carries to resources a payer needs alongside it, with the types each may point to. */
function claimReferences(c: Claim): Array<[Reference | undefined, readonly string[]]> {
  const who = ['Practitioner', 'PractitionerRole', 'Organization'];
  return [
    [c.patient, ['Patient']], [c.provider, who], [c.insurer, ['Organization']], [c.enterer, who], [c.facility, ['Location']],
    [c.referral, ['ServiceRequest']], [c.prescription, ['DeviceRequest', 'MedicationRequest', 'VisionPrescription']],
    ...(c.insurance ?? []).map((i): [Reference, readonly string[]] => [i.coverage, ['Coverage']]),
    ...(c.careTeam ?? []).map((t): [Reference, readonly string[]] => [t.provider, who]),
    ...(c.item ?? []).flatMap((i) => (i.encounter ?? []).map((e): [Reference, readonly string[]] => [e, ['Encounter']])),
  ];
}

/**
 * The claim Bundle (type collection, Claim first, then what it references), with urn:uuid
 * fullUrls and every reference between them rewritten to those. References are resolved in the
 * store by relative reference or by identifier (the flows keep urn:uuid references with the
 * identifier alongside); a reference that was already a urn:uuid keeps it as the fullUrl.
 */
export async function buildClaimBundle(store: Resources, claim: Claim): Promise<Bundle> {
  const claimKeyRef = `Claim/${claim.id}`;
  const entries = new Map<string, { resource: Resource; fullUrl: string }>([[claimKeyRef, { resource: structuredClone(claim), fullUrl: `urn:uuid:${uuidFor(claimKeyRef)}` }]]);
  const refMap = new Map<string, string>([[claimKeyRef, entries.get(claimKeyRef)!.fullUrl]]);
  const queue = claimReferences(claim);
  while (queue.length) {
    const [ref, types] = queue.shift()!;
    const r = await resolveReference<FhirResource>(store, ref, types);
    if (!ref || !r) continue;
    const key = `${r.resourceType}/${r.id}`;
    let e = entries.get(key);
    if (!e) {
      e = { resource: structuredClone(r), fullUrl: ref.reference?.startsWith('urn:uuid:') ? ref.reference : `urn:uuid:${uuidFor(key)}` };
      entries.set(key, e);
      refMap.set(key, e.fullUrl);
      // A Coverage brings its payor and subscriber along (the payer matches the member on them).
      if (r.resourceType === 'Coverage') {
        for (const p of r.payor ?? []) queue.push([p, ['Organization', 'Patient', 'RelatedPerson']]);
        queue.push([r.subscriber, ['Patient', 'RelatedPerson']]);
      }
    }
    if (ref.reference) refMap.set(ref.reference, e.fullUrl);
  }
  const entry: BundleEntry[] = [...entries.values()].map(({ resource, fullUrl }) => ({ fullUrl, resource: rewriteReferences(resource, refMap) as Resource }));
  return { resourceType: 'Bundle', id: `claim-bundle-${uuidFor(claimKey(claim)).slice(0, 8)}`, type: 'collection', timestamp: claim.created, entry };
}

export async function runClaimBatch(deps: JobDeps): Promise<JobSummary> {
  const now = (deps.now ?? (() => new Date()))();
  const dest = deps.config.jobs.claimDestination;
  if (!deps.config.destinations[dest]) return { skipped: `no destination "${dest}"` };
  if (deps.billing?.clearinghouses[dest]) return runClaimBatch837(deps, dest, now);
  const submitted = new Set(await deps.store.claims.keys());
  let queued = 0;
  const skipped: string[] = [];
  for (const c of await claims(deps.store.resources)) {
    if (!toSubmit(c)) continue;
    const key = claimKey(c);
    if (submitted.has(key)) continue;
    if (!c.id) {
      skipped.push(key);
      continue;
    }
    const bundle = await buildClaimBundle(deps.store.resources, c);
    const claimId = c.id;
    // The outbox item and the submission record commit together.
    await deps.store.transaction(async (tx) => {
      const idem = `claim:${key}`;
      const id = await tx.outbox.enqueue({
        destination: dest, kind: 'claim', payload: JSON.stringify(bundle), contentType: 'application/fhir+json',
        idempotencyKey: idem, ...(c.patient?.reference ? { orderingKey: c.patient.reference } : {}),
      }, now);
      await tx.claims.recordQueued(key, claimId, id, idem, now);
    });
    queued++;
  }
  const sent = await withWorker(deps, (w) => w.drain({ destinations: [dest], includeBatch: true, limit: 100 }));
  return { queued, ...sent, ...(skipped.length ? { skipped } : {}) };
}

interface Picked { key: string; claim: Claim; bundle: Bundle }

/** CLM-01 of a claim Bundle (the encounter number, as the 837P carries it), else the Claim's own id. */
function clm01(p: Picked): string {
  return claimBundleToEncounter(p.bundle).value?.encounterId || p.claim.identifier?.find((i) => i.value)?.value || p.claim.id!;
}

/** Issues as one line for `claims show`; the job summary keeps codes and locations only (no PHI in logs). */
const reasonText = (issues: Issue[]): string => issues.filter((i) => i.severity === 'error' || i.severity === 'fatal')
  .map((i) => `${errorCodeOf(i) ?? i.code} at ${i.expression?.join(', ') ?? '?'}: ${i.diagnostics ?? ''}`).join('; ');
const reasonCodes = (issues: Issue[]): string => [...new Set(issues.filter((i) => i.severity === 'error' || i.severity === 'fatal')
  .map((i) => `${errorCodeOf(i) ?? i.code}@${i.expression?.join(',') ?? ''}`))].slice(0, 5).join(' ');

/** The X12 way: this run's claims in one 837P interchange (see the header). */
async function runClaimBatch837(deps: JobDeps, dest: string, now: Date): Promise<JobSummary> {
  const submitted = new Set(await deps.store.claims.keys());
  const picked: Picked[] = [];
  const skipped: string[] = [];
  for (const c of await claims(deps.store.resources)) {
    if (!toSubmit(c)) continue;
    const key = claimKey(c);
    if (submitted.has(key)) continue;
    if (!c.id) { skipped.push(key); continue; }
    picked.push({ key, claim: c, bundle: await buildClaimBundle(deps.store.resources, c) });
  }
  const base = { format: 'x12', ...(skipped.length ? { skipped } : {}) };
  const held: string[] = [];
  const hold = async (p: Picked, issues: Issue[]) => {
    const total = p.claim.total?.value !== undefined ? String(p.claim.total.value) : '';
    await deps.store.x12.recordClaimHeld(clm01(p), dest, `not sent, ${reasonText(issues)}`, total, now);
    held.push(`${clm01(p)}: ${reasonCodes(issues)}`);
  };
  const options = { identity: deps.billing!, destination: dest, now, today: localDate(now, deps.config.jobs.timezone) };
  let batch = picked;
  let r = batch.length ? await build837p(batch.map((p) => p.bundle), { ...options, allocate: (c) => deps.store.x12.allocateControlNumber(c) }) : undefined;
  for (const x of r?.value?.rejected ?? []) await hold(batch[x.index]!, x.issues);
  if (r && !r.value?.x12 && hasErrors(r.issues)) {
    // The interchange as a whole failed the guide: find the claims that fail alone (probed with
    // throwaway control numbers), hold them, and batch the rest, so one claim cannot stop all.
    const rejected = new Set((r.value?.rejected ?? []).map((x) => x.index));
    const rest: Picked[] = [];
    for (const [i, p] of batch.entries()) {
      if (rejected.has(i)) continue;
      const alone = await build837p([p.bundle], { ...options, allocate: () => 1 });
      if (alone.value?.x12) rest.push(p);
      else await hold(p, [...alone.issues, ...(alone.value?.rejected.flatMap((x) => x.issues) ?? [])]);
    }
    batch = rest;
    r = batch.length ? await build837p(batch.map((p) => p.bundle), { ...options, allocate: (c) => deps.store.x12.allocateControlNumber(c) }) : undefined;
    if (r && !r.value?.x12) return { ...base, queued: 0, ...(held.length ? { held } : {}), error: reasonCodes(r.issues) || 'no interchange built' };
  }
  const b: Batch837 | undefined = r?.value?.x12 ? r.value : undefined;
  if (b) {
    const out = new Set((r!.value!.rejected).map((x) => x.index));
    const sent = batch.filter((_, i) => !out.has(i));
    const idempotencyKey = `x12:${dest}:${b.interchange}`;
    // The interchange, the claims' sent rows and their submission keys commit together.
    await deps.store.transaction(async (tx) => {
      const id = await tx.outbox.enqueue({ destination: dest, kind: 'x12-837', payload: b.x12!, contentType: 'application/edi-x12', idempotencyKey }, now);
      await tx.x12.recordClaimsSent(b.claims.map((c) => ({ claimId: c.claimId, total: c.total, detail: c.detail, interchange: b.interchange, groupControl: b.groupControl, transactionControl: b.transactionControl, destination: dest })), now);
      for (const p of sent) await tx.claims.recordQueued(p.key, p.claim.id, id, idempotencyKey, now);
    });
  }
  const drained = await withWorker(deps, (w) => w.drain({ destinations: [dest], includeBatch: true, limit: 100 }));
  return {
    ...base, queued: b ? 1 : 0, ...(b ? { interchange: b.interchange, claims: b.claims.length } : {}),
    ...(held.length ? { held } : {}), ...drained,
  };
}
