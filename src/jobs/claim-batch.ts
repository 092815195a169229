/**
 * Daily claim batch: every active Claim in the store that has not been submitted yet becomes a
 * claim Bundle (the Claim first, then the resources it references) queued for the clearinghouse,
 * and the clearinghouse's queue is sent now. The claim's key (its business identifier, else its
 * id) fixes the outbox idempotency key `claim:<key>`, which is also the Idempotency-Key header:
 * the same claim is never queued twice and every retry carries the same key.
 */
import type { Bundle, BundleEntry, Claim, FhirResource, Reference, Resource } from 'fhir/r4.js';
import { uuidFor } from '../clients/fhir-transaction.js';
import { rewriteReferences } from '../fhir/references.js';
import type { JobDeps, JobSummary } from './context.js';
import { claims, resolveReference, type Resources } from './resources.js';
import { withWorker } from './with-worker.js';

export function claimKey(c: Claim): string {
  const id = c.identifier?.find((i) => i.value);
  return id ? `${id.system ?? ''}|${id.value}` : `Claim/${c.id}`;
}

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
  const submitted = new Set(await deps.store.claims.keys());
  let queued = 0;
  const skipped: string[] = [];
  for (const c of await claims(deps.store.resources)) {
    if (c.status !== 'active') continue;
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
