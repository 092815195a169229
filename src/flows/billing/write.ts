/**
 * FHIR claim Bundle -> an outbound DFT^P03 (post detail financial transaction, v2.5.1 structure
 * DFT_P03): MSH EVN PID PV1 {FT1} {DG1} {IN1}. The Bundle is read back into the office billing
 * encounter by the claim adapter (claimBundleToEncounter), so what goes out is exactly what the
 * Claim says; each segment is then built as a FHIR-shaped object and written through the same
 * rules that read a DFT (mappings/dft-p03.json via writeSegment), PID through mappings/patient.json.
 * Segments are objects keyed by field number, never string templates.
 */
import type { Bundle, CodeableConcept, Patient, Reference } from 'fhir/r4.js';
import { hasErrors, issue, type Issue, type Result } from '../../domain/issues.js';
import { createMessage, type FieldValue, type Hl7Message } from '../../hl7/message.js';
import { fhirToHl7DateTime } from '../../mapping/datetime.js';
import { writeSegment } from '../../mapping/engine.js';
import { contentControlId } from '../../fhir/ids.js';
import { loadMapping, segmentMap } from '../../mapping/loader.js';
import { claimBundleToEncounter } from '../../adapters/claim-bundle.js';
import { PAYER_ID_SYSTEM } from '../../adapters/claim.js';
import { CPT_SYSTEM, ICD10CM_SYSTEM, MODIFIER_SYSTEM, NPI_SYSTEM, procedureCodeKind, systemOfProcedure } from '../../billing/codes.js';
import type { BillingEncounter } from '../../billing/encounter.js';
import { patientToPid } from '../patient-from-pid.js';
import { PLAN_FROM_PAYER } from '../registration/write.js';

export interface DftWriteOptions {
  timezone: string;
  /** MSH-7 and EVN-2; default now. */
  now?: Date;
}

type Obj = Record<string, unknown>;

/** CPT or HCPCS Level II by the code's form (the claim edits already checked it). */
const procedureSystem = (code: string): string => {
  const kind = procedureCodeKind(code);
  return kind ? systemOfProcedure(kind) : CPT_SYSTEM;
};
const coded = (system: string, code: string): CodeableConcept => ({ coding: [{ system, code }] });

function hl7Now(d: Date): string {
  return fhirToHl7DateTime(d.toISOString().replace(/\.\d+Z$/, 'Z'))!;
}

/** The Bundle's Patient (the claim's subject). */
function bundlePatient(b: Bundle): Patient | undefined {
  return (b.entry ?? []).map((e) => e.resource).find((r): r is Patient => r?.resourceType === 'Patient');
}

/** Build the DFT^P03 for a claim Bundle. Errors (no Claim, no Patient) leave no value. */
export function buildDft(bundle: Bundle, opts: DftWriteOptions): Result<Hl7Message> {
  const enc = claimBundleToEncounter(bundle);
  const issues: Issue[] = [...enc.issues];
  const patient = bundlePatient(bundle);
  if (!patient) issues.push(issue('MAP_MISSING', 'The claim Bundle holds no Patient: PID-3 needs one.', 'Bundle.entry'));
  if (!enc.value || !patient || hasErrors(issues)) return { value: undefined, issues };
  return { value: writeDft(enc.value, patient, opts), issues };
}

function writeDft(e: BillingEncounter, patient: Patient, opts: DftWriteOptions): Hl7Message {
  const dft = loadMapping('dft-p03');
  const ctx = { timezone: opts.timezone };
  const seg = (name: string, source: Obj): Record<number, FieldValue> => writeSegment(source, segmentMap(dft, name), ctx);
  const now = opts.now ?? new Date();
  const currency = e.currency ?? 'USD';
  const msg = createMessage({
    3: 'FRONTDESK', 4: 'FRONTDESK', 7: hl7Now(now),
    9: ['DFT', 'P03', 'DFT_P03'],
    // Replaced by the destination's durable control id when the message is queued (src/flows/outbound/).
    10: contentControlId('P03', JSON.stringify(e)),
    11: 'P', 12: '2.5.1',
  });
  // EVN-1 event type code (B in v2.5.1, still expected by many receivers), EVN-2 recorded.
  msg.add('EVN', { 1: 'P03', 2: hl7Now(now) });
  msg.add('PID', patientToPid(patient, ctx));

  const rendering: Reference = {
    identifier: { system: NPI_SYSTEM, value: e.renderingProviderNpi },
    ...(e.renderingProviderFamily ? { display: [e.renderingProviderGiven, e.renderingProviderFamily].filter(Boolean).join(' ') } : {}),
  };
  // PV1-2 patient class from the place of service (table patient-class-pos read backwards), PV1-7
  // attending = rendering provider, PV1-19 visit number = encounter id, PV1-44 admit = date of service.
  msg.add('PV1', {
    1: '1',
    ...seg('PV1', { placeOfService: e.placeOfService, attending: rendering, visitNumber: { value: e.encounterId }, admitted: e.dateOfService }),
  });

  const billing: Reference = { identifier: { system: NPI_SYSTEM, value: e.billingProviderNpi }, ...(e.billingProviderName ? { display: e.billingProviderName } : {}) };
  e.lines.forEach((l, n) => {
    const code = coded(procedureSystem(l.code), l.code);
    const day = l.dateOfService ?? e.dateOfService;
    const ft: Obj = {
      transactionId: String(n + 1),
      servicedPeriod: { start: day },
      transactionType: 'CG', // table 0017: charge
      transactionCode: code,
      quantity: l.units,
      net: { value: l.charge, currency },
      diagnosis: l.pointers.map((p) => e.diagnoses[p - 1]).filter((d): d is string => !!d).map((d) => coded(ICD10CM_SYSTEM, d)),
      performer: rendering,
      procedureCode: code,
      modifier: (l.modifiers ?? []).map((m) => coded(MODIFIER_SYSTEM, m)),
      performingFacility: billing,
    };
    msg.add('FT1', { 1: String(n + 1), ...seg('FT1', ft) });
  });

  // DG1 in claim order: the first is the principal diagnosis (DG1-15 priority 1); DG1-6 F final (table 0052).
  e.diagnoses.forEach((d, i) => {
    msg.add('DG1', { ...seg('DG1', { setId: String(i + 1), code: coded(ICD10CM_SYSTEM, d), ...(i === 0 ? { priority: 1 } : {}) }), 6: 'F' });
  });

  e.coverages.forEach((c, i) => {
    const fields = seg('IN1', {
      payerId: { system: PAYER_ID_SYSTEM, value: c.payerId },
      ...(c.payerName ? { payerName: c.payerName } : {}),
      ...(i === 0 && e.priorAuthorization ? { authorization: e.priorAuthorization } : {}),
      policyNumber: c.memberId,
    });
    // IN1-2 insurance plan id is required in v2.5.1 and the encounter knows the payer only: the
    // payer's id marked PLAN_FROM_PAYER, as the ADT writer does (../registration/write.ts).
    msg.add('IN1', { ...fields, 1: String(i + 1), 2: [c.payerId, c.payerName ?? '', PLAN_FROM_PAYER] });
  });
  return msg;
}
