/**
 * 270 eligibility inquiries (005010X279A1) for a day's appointments: one interchange per
 * clearinghouse, one 2000A per payer, the practice as information receiver (2100B, by NPI), one
 * 2000C per appointment (TRN-02 our trace, echoed in the 271), the dependent in 2000D when the
 * patient is not the subscriber, DTP*291 the service date and EQ*30 (health benefit plan coverage).
 * What we emit is read back through the guide first.
 */
import type { Coverage, Organization, Patient, RelatedPerson } from 'fhir/r4.js';
import { createHash } from 'node:crypto';
import { hasErrors, issue, type Issue, type Result } from '../../domain/issues.js';
import type { BillingIdentity } from '../../billing/identity.js';
import { PAYER_ID_SYSTEM } from '../../adapters/claim.js';
import { envelope } from '../envelope.js';
import { writeTransaction } from '../engine.js';
import { loadX12Map } from '../map.js';
import { readWithMap } from '../read.js';
import { writeSegments } from '../writer.js';
import { x12Codes, x12Date } from '../837p/model.js';

export interface EligibilityInquiry {
  /** What the answer is matched back to (an appointment and day). */
  key: string;
  patient: Patient;
  coverage: Coverage;
  payer: Organization | undefined;
  subscriber?: RelatedPerson | Patient | undefined;
  /** YYYY-MM-DD the service is planned. */
  date: string;
}

/** TRN-02: a short trace derived from the inquiry key (max 50; the same key gives the same trace). */
export const traceFor = (key: string): string => `FD${createHash('sha256').update(key).digest('hex').slice(0, 20).toUpperCase()}`;

function person(r: Patient | RelatedPerson | undefined): { last?: string; first?: string; dob?: string; sex?: string } {
  const n = r?.name?.find((x) => x.use === 'official') ?? r?.name?.[0];
  return {
    ...(n?.family ? { last: n.family } : {}), ...(n?.given?.[0] ? { first: n.given[0] } : {}),
    ...(r?.birthDate ? { dob: x12Date(r.birthDate), sex: x12Codes().sex[r.gender ?? 'unknown'] ?? 'U' } : {}),
  };
}

export interface Build270Options {
  identity: BillingIdentity;
  destination: string;
  allocate: (counter: string) => number | Promise<number>;
  now?: Date;
}

export async function build270(inquiries: EligibilityInquiry[], o: Build270Options): Promise<Result<{ x12: string; traces: Record<string, string> }>> {
  const ch = o.identity.clearinghouses[o.destination];
  if (!ch) return { value: undefined, issues: [issue('CONFIG_INVALID', `No billing identity for clearinghouse "${o.destination}".`, `billing.clearinghouses.${o.destination}`)] };
  const issues: Issue[] = [];
  const now = o.now ?? new Date();
  const bySource = new Map<string, { source: Record<string, string>; receiver: Record<string, string>; subscribers: Array<Record<string, unknown>> }>();
  const traces: Record<string, string> = {};
  for (const q of inquiries) {
    const payerId = q.payer?.identifier?.find((i) => i.system === PAYER_ID_SYSTEM)?.value ?? q.payer?.identifier?.[0]?.value;
    if (!payerId) { issues.push(issue('MAP_MISSING', `Coverage ${q.coverage.id} has no payer id (270 2100A NM1-09); no inquiry for ${q.key}.`, 'Coverage.payor', 'warning')); continue; }
    if (!q.coverage.subscriberId) { issues.push(issue('MAP_MISSING', `Coverage ${q.coverage.id} has no member id (270 2100C NM1-09); no inquiry for ${q.key}.`, 'Coverage.subscriberId', 'warning')); continue; }
    const rel = q.coverage.relationship?.coding?.find((c) => c.code)?.code ?? 'self';
    const trace = traceFor(q.key);
    traces[trace] = q.key;
    const patient = person(q.patient);
    const ask = { dates: [{ qualifier: '291', format: 'D8', date: x12Date(q.date) }], inquiries: [{ serviceType: '30' }] };
    const entry: Record<string, unknown> = { trace: { number: trace, originator: `1${o.identity.provider.taxId}` } };
    if (rel === 'self') entry.subscriber = { entity: '1', ...patient, idQualifier: 'MI', id: q.coverage.subscriberId, ...ask };
    else {
      entry.subscriber = { entity: '1', ...person(q.subscriber), idQualifier: 'MI', id: q.coverage.subscriberId };
      entry.dependent = { entity: '1', ...patient, ...ask };
    }
    let src = bySource.get(payerId);
    if (!src) {
      src = { source: { name: q.payer?.name ?? payerId, idQualifier: 'PI', id: payerId }, receiver: { name: o.identity.provider.name, npi: o.identity.provider.npi }, subscribers: [] };
      bySource.set(payerId, src);
    }
    src.subscribers.push(entry);
  }
  if (!bySource.size) return { value: undefined, issues };
  const map = loadX12Map('270');
  const pair = `${ch.isa.senderQualifier}:${ch.isa.senderId.trim()}>${ch.isa.receiverQualifier}:${ch.isa.receiverId.trim()}`;
  const isa13 = await o.allocate(`isa:${pair}`);
  const gs06 = await o.allocate(`gs:${pair}`);
  const model = { purpose: '13', reference: String(isa13), date: x12Date(now.toISOString()), time: now.toISOString().slice(11, 16).replace(':', ''), sources: [...bySource.values()] };
  const body = writeTransaction(map, model);
  const segs = envelope({ ...ch.isa, usage: o.identity.usage, controlNumber: isa13, at: now },
    { functionalId: map.functionalId, senderCode: ch.gs.senderCode, receiverCode: ch.gs.receiverCode, controlNumber: gs06, version: map.version },
    [{ setId: map.setId, controlNumber: '0001', body }]);
  const text = writeSegments(segs);
  issues.push(...text.issues);
  if (hasErrors(text.issues)) return { value: undefined, issues };
  issues.push(...readWithMap(text.value!, '270').issues);
  if (hasErrors(issues)) return { value: undefined, issues };
  return { value: { x12: text.value!, traces }, issues };
}
