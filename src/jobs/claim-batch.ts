/**
 * Daily claim batch: every active Claim in the store that has not been submitted yet becomes a
 * claim Bundle (the Claim first, then the resources it references) queued for the clearinghouse,
 * and the clearinghouse's queue is sent now. The claim's key (its business identifier, else its
 * id) fixes the outbox idempotency key `claim:<key>`, which is also the Idempotency-Key header:
 * the same claim is never queued twice and every retry carries the same key.
 */
import type { Bundle, BundleEntry, Claim, FhirResource, Resource } from 'fhir/r4.js';
import { recordClaimQueued } from '../delivery/claims.js';
import { uuidFor } from '../clients/fhir-transaction.js';
import { enqueue } from '../store/outbox.js';
import type { Db } from '../store/db.js';
import type { JobDeps, JobSummary } from './context.js';
import { claims, resolve } from './resources.js';
import { withWorker } from './with-worker.js';

export function claimKey(c: Claim): string {
  const id = c.identifier?.find((i) => i.value);
  return id ? `${id.system ?? ''}|${id.value}` : `Claim/${c.id}`;
}

/** References a claim carries to resources a payer needs alongside it. */
function claimReferences(c: Claim): string[] {
  const refs = [
    c.patient?.reference, c.provider?.reference, c.insurer?.reference, c.enterer?.reference, c.facility?.reference,
    c.referral?.reference, c.prescription?.reference,
    ...(c.insurance ?? []).map((i) => i.coverage?.reference),
    ...(c.careTeam ?? []).map((t) => t.provider?.reference),
    ...(c.item ?? []).flatMap((i) => (i.encounter ?? []).map((e) => e.reference)),
  ];
  return [...new Set(refs.filter((r): r is string => typeof r === 'string'))];
}

function rewrite(node: unknown, map: Map<string, string>): void {
  if (Array.isArray(node)) return node.forEach((n) => rewrite(n, map));
  if (node === null || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    if (k === 'reference' && typeof v === 'string' && map.has(v)) o[k] = map.get(v);
    else rewrite(v, map);
  }
}

/** The claim Bundle (type collection, Claim first), with urn:uuid fullUrls and references rewritten to them. */
export function buildClaimBundle(db: Db, claim: Claim): Bundle {
  const resources: Resource[] = [structuredClone(claim)];
  const seen = new Set([`Claim/${claim.id}`]);
  const queue = claimReferences(claim);
  while (queue.length) {
    const ref = queue.shift()!;
    if (seen.has(ref)) continue;
    seen.add(ref);
    const r = resolve<FhirResource>(db, ref);
    if (!r) continue;
    resources.push(structuredClone(r));
    // A Coverage brings its payor and subscriber along (the payer matches the member on them).
    if (r.resourceType === 'Coverage') {
      for (const p of r.payor ?? []) if (p.reference) queue.push(p.reference);
      if (r.subscriber?.reference) queue.push(r.subscriber.reference);
    }
  }
  const map = new Map(resources.map((r) => [`${r.resourceType}/${r.id}`, `urn:uuid:${uuidFor(`${r.resourceType}/${r.id}`)}`]));
  const entry: BundleEntry[] = resources.map((r) => {
    rewrite(r, map);
    return { fullUrl: map.get(`${r.resourceType}/${r.id}`)!, resource: r };
  });
  return { resourceType: 'Bundle', id: `claim-bundle-${uuidFor(claimKey(claim)).slice(0, 8)}`, type: 'collection', timestamp: claim.created, entry };
}

export async function runClaimBatch(deps: JobDeps): Promise<JobSummary> {
  const now = (deps.now ?? (() => new Date()))();
  const dest = deps.config.jobs.claimDestination;
  if (!deps.config.destinations[dest]) return { skipped: `no destination "${dest}"` };
  const submitted = new Set((deps.db.prepare('SELECT claim_key FROM claim_submissions').all() as Array<{ claim_key: string }>).map((r) => r.claim_key));
  let queued = 0;
  const skipped: string[] = [];
  for (const c of claims(deps.db)) {
    if (c.status !== 'active') continue;
    const key = claimKey(c);
    if (submitted.has(key)) continue;
    if (!c.id) {
      skipped.push(key);
      continue;
    }
    const bundle = buildClaimBundle(deps.db, c);
    deps.db.transaction(() => {
      const idem = `claim:${key}`;
      const id = enqueue(deps.db, {
        destination: dest, kind: 'claim', payload: JSON.stringify(bundle), contentType: 'application/fhir+json',
        idempotencyKey: idem, ...(c.patient?.reference ? { orderingKey: c.patient.reference } : {}),
      }, now);
      recordClaimQueued(deps.db, key, c.id, id, idem, now);
    })();
    queued++;
  }
  const sent = await withWorker(deps, (w) => w.drain({ destinations: [dest], includeBatch: true, limit: 100 }));
  return { queued, ...sent, ...(skipped.length ? { skipped } : {}) };
}
