/**
 * The office billing encounter (recordType "billing-encounter"): one visit's superbill, shaped
 * for a billing desk's CSV export. Schema: profiles/office/billing-encounter.schema.json.
 * Order carries meaning: `coverages[0]` is primary (Claim.insurance focal), `diagnoses[n]` is
 * pointer n+1 (CMS-1500 box 21 A-L), `lines[n]` is service line n+1 (box 24).
 */

export interface EncounterCoverage {
  /** Payer id (the clearinghouse's payer id, 837 NM1*PR). */
  payerId: string;
  payerName?: string;
  /** Subscriber / member id on the insurance card (837 NM1*IL09). */
  memberId: string;
}

export interface ServiceLine {
  /** CPT or HCPCS Level II code. */
  code: string;
  /** Up to 4 modifiers, in order. */
  modifiers?: string[];
  units: number;
  /** Line charge: units x fee (box 24F). */
  charge: number;
  /** Diagnosis pointers, 1-based into `diagnoses` (box 24E), up to 4. */
  pointers: number[];
  /** YYYY-MM-DD; defaults to the encounter's date of service. */
  dateOfService?: string;
  /**
   * CMS place of service of this line when it differs from the encounter's (a telehealth line in
   * an office visit): 837P SV1-05, which the guide sends only when it differs from CLM05-1.
   */
  placeOfService?: string;
}

export interface BillingEncounter {
  recordType: 'billing-encounter';
  /** The practice's encounter/claim number (Claim.identifier, 837 CLM01). */
  encounterId: string;
  status?: 'active' | 'draft' | 'cancelled' | 'entered-in-error';
  priority?: 'stat' | 'normal' | 'deferred';
  /** YYYY-MM-DD the claim was created; defaults to the date of service. */
  created?: string;
  patientMrn: string;
  patientFamily?: string;
  patientGiven?: string;
  patientBirthDate?: string;
  patientGender?: 'male' | 'female' | 'other' | 'unknown';
  /** The patient's home address (Patient.address; 837P 2010BA/2010CA N3/N4, required there). */
  patientAddressLine1?: string;
  patientAddressLine2?: string;
  patientCity?: string;
  patientState?: string;
  patientPostalCode?: string;
  /** YYYY-MM-DD (billablePeriod.start). */
  dateOfService: string;
  /** YYYY-MM-DD when the encounter spans days (billablePeriod.end). */
  dateOfServiceEnd?: string;
  /** CMS place-of-service code, two digits (11 = office). */
  placeOfService: string;
  renderingProviderNpi: string;
  renderingProviderFamily?: string;
  renderingProviderGiven?: string;
  billingProviderNpi: string;
  billingProviderName?: string;
  priorAuthorization?: string;
  /**
   * Original (the default), a replacement of a claim the payer already has, or a void of it
   * (837P CLM05-3 1/7/8; Claim.related prior, a void also Claim.status cancelled).
   */
  claimFrequency?: 'original' | 'replacement' | 'void';
  /** The payer's claim control number of the claim replaced or voided (835 CLP-07; 837P REF*F8). */
  payerClaimNumber?: string;
  coverages: EncounterCoverage[];
  /** ICD-10-CM codes in order of importance (at most 12). */
  diagnoses: string[];
  lines: ServiceLine[];
  totalCharge: number;
  /** ISO 4217, default USD. */
  currency?: string;
}

/**
 * Fill the defaults the adapter applies, so that `fromFhir(toFhir(x))` can be compared with
 * `normalizeEncounter(x)`: status active (cancelled for a void), priority normal, created = date of
 * service, sex unknown, currency USD, every line dated; empty modifier lists, single-day ends, the
 * frequency `original` and a line's place of service equal to the encounter's dropped.
 */
export function normalizeEncounter(e: BillingEncounter): BillingEncounter {
  const out: BillingEncounter = {
    ...e,
    status: e.status ?? (e.claimFrequency === 'void' ? 'cancelled' : 'active'),
    priority: e.priority ?? 'normal',
    created: e.created ?? e.dateOfService,
    patientGender: e.patientGender ?? 'unknown',
    currency: e.currency ?? 'USD',
    coverages: e.coverages.map((c) => ({ ...c })),
    diagnoses: [...e.diagnoses],
    lines: e.lines.map((l) => {
      return {
        code: l.code,
        ...(l.modifiers && l.modifiers.length ? { modifiers: [...l.modifiers] } : {}),
        units: l.units,
        charge: l.charge,
        pointers: [...l.pointers],
        dateOfService: l.dateOfService ?? e.dateOfService,
        ...(l.placeOfService && l.placeOfService !== e.placeOfService ? { placeOfService: l.placeOfService } : {}),
      };
    }),
  };
  if (out.dateOfServiceEnd === undefined || out.dateOfServiceEnd === out.dateOfService) delete out.dateOfServiceEnd;
  if (out.claimFrequency === 'original') delete out.claimFrequency;
  return orderKeys(out);
}

/** Money to cents, to compare and add charges without floating-point drift. */
export const cents = (amount: number): number => Math.round(amount * 100);

/** The schema's key order, so office JSON reads the same whichever way it was made. */
const KEY_ORDER: Array<keyof BillingEncounter> = [
  'recordType', 'encounterId', 'status', 'priority', 'created', 'patientMrn', 'patientFamily', 'patientGiven', 'patientBirthDate', 'patientGender',
  'patientAddressLine1', 'patientAddressLine2', 'patientCity', 'patientState', 'patientPostalCode',
  'dateOfService', 'dateOfServiceEnd', 'placeOfService', 'renderingProviderNpi', 'renderingProviderFamily', 'renderingProviderGiven',
  'billingProviderNpi', 'billingProviderName', 'priorAuthorization', 'claimFrequency', 'payerClaimNumber', 'coverages', 'diagnoses', 'lines', 'totalCharge', 'currency',
];
export function orderKeys(e: BillingEncounter): BillingEncounter {
  const out: Record<string, unknown> = {};
  for (const k of KEY_ORDER) if (e[k] !== undefined) out[k] = e[k];
  return out as unknown as BillingEncounter;
}

