/**
 * Codec: office billing encounter <-> FHIR Claim (professional, use claim; CMS-1500 / 837P).
 *
 * - Claim.provider is the billing provider (an Organization, by NPI); the rendering provider is
 *   careTeam[0] (a Practitioner by NPI, role primary) and every item points at it.
 * - Claim.insurance follows the coverage order: sequence 1.. and focal on the first; the prior
 *   authorization number travels on the focal insurance (preAuthRef).
 * - References carry their business identifier (NPI, MRN, payer id, member id) beside the
 *   reference, so a Claim read alone still yields the encounter; the claim Bundle adds names.
 */
import type { Address, Claim, ClaimInsurance, ClaimItem, CodeableConcept, Identifier, Money, Reference } from 'fhir/r4.js';
import { issue, type Issue, type Result } from '../domain/issues.js';
import { claimCoverageId, claimId, organizationIdByIdentifier, payerOrganizationId, practitionerId } from '../fhir/ids.js';
import { patientIdOf } from './patient.js';
import { PRACTICE_MRN_SYSTEM } from './registration-record.js';
import {
  CPT_SYSTEM, HCPCS_SYSTEM, ICD10CM_SYSTEM, MODIFIER_SYSTEM, NPI_SYSTEM, POS_SYSTEM, placeOfService, procedureCodeKind, systemOfProcedure,
} from '../billing/codes.js';
import { cents, orderKeys, type BillingEncounter, type EncounterCoverage, type ServiceLine } from '../billing/encounter.js';

export const ENCOUNTER_ID_SYSTEM = 'https://frontdesk.example.org/sid/encounter-id';
export const PAYER_ID_SYSTEM = 'https://frontdesk.example.org/sid/payer-id';
export const MRN_SYSTEM = PRACTICE_MRN_SYSTEM;
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const CLAIM_TYPE = 'http://terminology.hl7.org/CodeSystem/claim-type';
const PRIORITY = 'http://terminology.hl7.org/CodeSystem/processpriority';
const CARE_TEAM_ROLE = 'http://terminology.hl7.org/CodeSystem/claimcareteamrole';
const RELATED_CLAIM = 'http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship';
/** The payer's claim control number (835 CLP-07, 277CA REF*1K), as ClaimResponse.identifier carries it. */
export const PAYER_CLAIM_NUMBER_SYSTEM = 'https://frontdesk.example.org/sid/payer-claim-number';

/** Deterministic ids of everything a claim references (also used by the claim Bundle). */
export const claimIds = {
  claim: (e: Pick<BillingEncounter, 'encounterId'>) => claimId(ENCOUNTER_ID_SYSTEM, e.encounterId),
  patient: (mrn: string) => patientIdOf({ mrn }),
  practitioner: (npi: string) => practitionerId(NPI_SYSTEM, npi),
  billingOrganization: (npi: string) => organizationIdByIdentifier(NPI_SYSTEM, npi),
  payer: (payerId: string, payerName?: string) => payerOrganizationId(payerId, PAYER_ID_SYSTEM, payerName),
  coverage: (payerId: string, memberId: string) => claimCoverageId(PAYER_ID_SYSTEM, payerId, memberId),
};

/** How the Claim points at its neighbours: 'Type/id' by default, urn:uuid inside a claim Bundle. */
export interface ClaimReferences {
  patient: string;
  practitioner: string;
  billingOrganization: string;
  /** One per coverage, same order. */
  coverages: string[];
  /** One per coverage (its payer Organization), same order. */
  payers: string[];
  /** The patient's identifier as the Patient carries it (default: the practice MRN). */
  patientIdentifier?: Identifier;
}

export function defaultReferences(e: BillingEncounter): ClaimReferences {
  return {
    patient: `Patient/${claimIds.patient(e.patientMrn)}`,
    practitioner: `Practitioner/${claimIds.practitioner(e.renderingProviderNpi)}`,
    billingOrganization: `Organization/${claimIds.billingOrganization(e.billingProviderNpi)}`,
    coverages: e.coverages.map((c) => `Coverage/${claimIds.coverage(c.payerId, c.memberId)}`),
    payers: e.coverages.map((c) => `Organization/${claimIds.payer(c.payerId, c.payerName)}`),
  };
}

const money = (value: number, currency: string): Money => ({ value, currency: currency as Money['currency'] });
const round2 = (n: number): number => Math.round(n * 100) / 100;
const npiId = (value: string): Identifier => ({ system: NPI_SYSTEM, value });
const payerIdentifier = (c: EncounterCoverage): Identifier => ({ system: PAYER_ID_SYSTEM, value: c.payerId });
const personName = (given?: string, family?: string): string | undefined => [given, family].filter(Boolean).join(' ') || undefined;

function withDisplay<T extends Reference>(r: T, display: string | undefined): T {
  return display ? { ...r, display } : r;
}

function coverageReference(c: EncounterCoverage, reference: string, payer: string): Reference {
  return {
    reference,
    identifier: {
      type: { coding: [{ system: V2_0203, code: 'MB', display: 'Member Number' }] },
      ...(c.memberId ? { value: c.memberId } : {}),
      assigner: withDisplay({ reference: payer, identifier: payerIdentifier(c) }, c.payerName),
    },
  };
}

function serviceLine(l: ServiceLine, n: number, e: BillingEncounter, currency: string): ClaimItem {
  const kind = procedureCodeKind(l.code);
  // A line's own place of service (837P SV1-05) when it has one, else the encounter's (CLM05-1).
  const posCode = l.placeOfService || e.placeOfService;
  const pos = placeOfService(posCode);
  const item: ClaimItem = {
    sequence: n + 1,
    careTeamSequence: [1],
    diagnosisSequence: [...l.pointers],
    // A code of neither form keeps CPT's system so the edit can name it; the edits reject it.
    productOrService: { coding: [{ system: kind ? systemOfProcedure(kind) : CPT_SYSTEM, code: l.code }] },
    servicedDate: l.dateOfService ?? e.dateOfService,
    locationCodeableConcept: { coding: [{ system: POS_SYSTEM, code: posCode, ...(pos?.display ? { display: pos.display } : {}) }] },
    quantity: { value: l.units },
    net: money(l.charge, currency),
  };
  if (l.units > 0) item.unitPrice = money(round2(l.charge / l.units), currency);
  if (l.modifiers?.length) item.modifier = l.modifiers.map((m) => ({ coding: [{ system: MODIFIER_SYSTEM, code: m }] }));
  // Keep key order readable: the FHIR JSON order of ClaimItem.
  const { sequence, careTeamSequence, diagnosisSequence, productOrService, modifier, servicedDate, locationCodeableConcept, quantity, unitPrice, net } = item;
  return JSON.parse(JSON.stringify({ sequence, careTeamSequence, diagnosisSequence, productOrService, modifier, servicedDate, locationCodeableConcept, quantity, unitPrice, net })) as ClaimItem;
}

/** Office billing encounter -> FHIR Claim. Never throws; the claim edits judge the content. */
export function encounterToClaim(e: BillingEncounter, refs: ClaimReferences = defaultReferences(e)): Result<Claim> {
  const issues: Issue[] = [];
  const currency = e.currency ?? 'USD';
  const insurance: ClaimInsurance[] = e.coverages.map((c, k) => {
    const ins: ClaimInsurance = { sequence: k + 1, focal: k === 0, coverage: coverageReference(c, refs.coverages[k]!, refs.payers[k]!) };
    if (k === 0 && e.priorAuthorization) ins.preAuthRef = [e.priorAuthorization];
    return ins;
  });
  const primary = e.coverages[0];
  const replaces = e.claimFrequency === 'replacement' || e.claimFrequency === 'void';
  const claim: Claim = {
    resourceType: 'Claim',
    id: claimIds.claim(e),
    identifier: [{ system: ENCOUNTER_ID_SYSTEM, value: e.encounterId }],
    // A void withdraws the claim the payer has (status cancelled, FHIR R4 Claim.status).
    status: e.status ?? (e.claimFrequency === 'void' ? 'cancelled' : 'active'),
    type: { coding: [{ system: CLAIM_TYPE, code: 'professional', display: 'Professional' }] },
    use: 'claim',
    patient: { reference: refs.patient, identifier: refs.patientIdentifier ?? { type: { coding: [{ system: V2_0203, code: 'MR' }] }, system: MRN_SYSTEM, value: e.patientMrn } },
    billablePeriod: { start: e.dateOfService, end: e.dateOfServiceEnd ?? e.dateOfService },
    created: e.created ?? e.dateOfService,
    // A replacement or void names the claim it replaces by the payer's number (837P CLM05-3 7/8, REF*F8).
    ...(replaces ? { related: [{
      relationship: { coding: [{ system: RELATED_CLAIM, code: 'prior', display: 'Prior Claim' }] },
      // The prior claim by the payer's identifier (a logical reference: the payer's system holds it).
      ...(e.payerClaimNumber ? { claim: { identifier: { system: PAYER_CLAIM_NUMBER_SYSTEM, value: e.payerClaimNumber } } } : {}),
    }] } : {}),
    ...(primary ? { insurer: withDisplay({ reference: refs.payers[0]!, identifier: payerIdentifier(primary) }, primary.payerName) } : {}),
    provider: withDisplay({ reference: refs.billingOrganization, identifier: npiId(e.billingProviderNpi) }, e.billingProviderName),
    priority: { coding: [{ system: PRIORITY, code: e.priority ?? 'normal' }] },
    careTeam: [{
      sequence: 1,
      provider: withDisplay({ reference: refs.practitioner, identifier: npiId(e.renderingProviderNpi) }, personName(e.renderingProviderGiven, e.renderingProviderFamily)),
      role: { coding: [{ system: CARE_TEAM_ROLE, code: 'primary', display: 'Primary provider' }] },
    }],
    diagnosis: e.diagnoses.map((code, i) => ({ sequence: i + 1, diagnosisCodeableConcept: { coding: [{ system: ICD10CM_SYSTEM, code }] } })),
    insurance,
    item: e.lines.map((l, n) => serviceLine(l, n, e, currency)),
    total: money(e.totalCharge, currency),
  };
  if (!claim.diagnosis!.length) delete claim.diagnosis;
  if (!claim.item!.length) delete claim.item;
  if (!primary) issues.push(issue('MAP_MISSING', 'The encounter has no coverage: the Claim has no insurance and no insurer.', 'coverages'));
  return { value: claim, issues };
}

// ---------------------------------------------------------------- FHIR -> office

/** Resolve a reference inside a claim Bundle (or a store); undefined when unknown. */
export type Resolver = (reference: string | undefined) => Record<string, unknown> | undefined;

const code = (cc: CodeableConcept | undefined, system?: string): string | undefined =>
  cc?.coding?.find((c) => (system === undefined || c.system === system) && c.code)?.code ?? cc?.coding?.find((c) => c.code)?.code;

function isoDate(s: string | undefined): string | undefined {
  return s ? s.slice(0, 10) : undefined;
}

/**
 * FHIR Claim -> office billing encounter. `resolve` (a claim Bundle's entries) supplies names,
 * member ids and demographics the Claim itself only references. Missing essentials are MAP_MISSING
 * issues at the Claim element; the claim edits judge the rest.
 */
export function claimToEncounter(claim: Claim, resolve: Resolver = () => undefined): Result<BillingEncounter> {
  const issues: Issue[] = [];
  const missing = (where: string, what: string) => issues.push(issue('MAP_MISSING', `The Claim has no ${what}.`, where));
  const encounterId = claim.identifier?.find((i) => i.system === ENCOUNTER_ID_SYSTEM)?.value ?? claim.identifier?.[0]?.value;
  if (!encounterId) missing('Claim.identifier', 'identifier (the encounter number)');

  const patient = resolve(claim.patient?.reference) as { identifier?: Identifier[]; name?: Array<{ family?: string; given?: string[] }>; birthDate?: string; gender?: BillingEncounter['patientGender']; address?: Address[] } | undefined;
  const mrn = claim.patient?.identifier?.value
    ?? patient?.identifier?.find((i) => i.type?.coding?.some((c) => c.code === 'MR'))?.value ?? patient?.identifier?.[0]?.value;
  if (!mrn) missing('Claim.patient', 'patient identifier (MRN)');

  const rendering = claim.careTeam?.find((t) => t.sequence === 1) ?? claim.careTeam?.[0];
  const renderingIdx = rendering ? claim.careTeam!.indexOf(rendering) : 0;
  const practitioner = resolve(rendering?.provider?.reference) as { identifier?: Identifier[]; name?: Array<{ family?: string; given?: string[] }> } | undefined;
  const renderingNpi = rendering?.provider?.identifier?.value ?? practitioner?.identifier?.find((i) => i.system === NPI_SYSTEM)?.value;
  if (!renderingNpi) missing(`Claim.careTeam[${renderingIdx}].provider`, 'rendering provider NPI (careTeam)');
  const billingOrg = resolve(claim.provider?.reference) as { identifier?: Identifier[]; name?: string } | undefined;
  const billingNpi = claim.provider?.identifier?.value ?? billingOrg?.identifier?.find((i) => i.system === NPI_SYSTEM)?.value;
  if (!billingNpi) missing('Claim.provider', 'billing provider NPI');

  const coverages: EncounterCoverage[] = [];
  const insurance = [...(claim.insurance ?? [])].sort((a, b) => a.sequence - b.sequence);
  insurance.forEach((ins) => {
    const k = claim.insurance!.indexOf(ins);
    const cov = resolve(ins.coverage?.reference) as { subscriberId?: string; identifier?: Identifier[]; payor?: Reference[] } | undefined;
    const payerOrg = resolve(cov?.payor?.[0]?.reference) as { identifier?: Identifier[]; name?: string } | undefined;
    const id = ins.coverage?.identifier;
    const payerId = id?.assigner?.identifier?.value ?? payerOrg?.identifier?.find((i) => i.system === PAYER_ID_SYSTEM)?.value ?? cov?.payor?.[0]?.identifier?.value;
    const memberId = id?.value ?? cov?.subscriberId ?? cov?.identifier?.[0]?.value;
    if (!payerId) missing(`Claim.insurance[${k}].coverage`, `payer id for insurance ${ins.sequence}`);
    const c: EncounterCoverage = { payerId: payerId ?? '', memberId: memberId ?? '' };
    const payerName = id?.assigner?.display ?? payerOrg?.name;
    if (payerName) c.payerName = payerName;
    coverages.push({ payerId: c.payerId, ...(c.payerName ? { payerName: c.payerName } : {}), memberId: c.memberId });
  });
  const focal = insurance.find((i) => i.focal) ?? insurance[0];

  const diagnoses = [...(claim.diagnosis ?? [])].sort((a, b) => a.sequence - b.sequence).map((d) => code(d.diagnosisCodeableConcept, ICD10CM_SYSTEM) ?? '');
  const items = claim.item ?? [];
  // The first line's place of service is the claim's (CLM05-1); a line elsewhere keeps its own (SV1-05).
  const placeOfServiceCode = code(items[0]?.locationCodeableConcept, POS_SYSTEM);
  if (!placeOfServiceCode) missing('Claim.item[0].locationCodeableConcept', 'place of service');
  const dateOfService = isoDate(claim.billablePeriod?.start) ?? isoDate(items[0]?.servicedDate) ?? isoDate(items[0]?.servicedPeriod?.start);
  if (!dateOfService) missing('Claim.billablePeriod.start', 'date of service');

  const lines: ServiceLine[] = items.map((it, n) => {
    const units = it.quantity?.value ?? 1;
    const charge = it.net?.value ?? (it.unitPrice?.value !== undefined ? it.unitPrice.value * units : undefined);
    if (charge === undefined) missing(`Claim.item[${n}].net`, `charge on item ${it.sequence}`);
    const line: ServiceLine = {
      code: code(it.productOrService, CPT_SYSTEM) ?? code(it.productOrService, HCPCS_SYSTEM) ?? '',
      units,
      charge: charge ?? 0,
      pointers: [...(it.diagnosisSequence ?? [])],
    };
    const mods = (it.modifier ?? []).map((m) => code(m) ?? '').filter(Boolean);
    if (mods.length) line.modifiers = mods;
    const d = isoDate(it.servicedDate) ?? isoDate(it.servicedPeriod?.start);
    if (d) line.dateOfService = d;
    const linePos = code(it.locationCodeableConcept, POS_SYSTEM);
    return {
      code: line.code, ...(line.modifiers ? { modifiers: line.modifiers } : {}), units: line.units, charge: line.charge, pointers: line.pointers,
      ...(line.dateOfService ? { dateOfService: line.dateOfService } : {}),
      ...(linePos && linePos !== placeOfServiceCode ? { placeOfService: linePos } : {}),
    };
  });
  const total = claim.total?.value ?? lines.reduce((s, l) => s + cents(l.charge), 0) / 100;

  const out: BillingEncounter = {
    recordType: 'billing-encounter',
    encounterId: encounterId ?? '',
    status: claim.status as BillingEncounter['status'],
    priority: (code(claim.priority, PRIORITY) ?? 'normal') as BillingEncounter['priority'],
    patientMrn: mrn ?? '',
    dateOfService: dateOfService ?? '',
    placeOfService: placeOfServiceCode ?? '',
    renderingProviderNpi: renderingNpi ?? '',
    billingProviderNpi: billingNpi ?? '',
    coverages,
    diagnoses,
    lines,
    totalCharge: total,
    currency: claim.total?.currency ?? items[0]?.net?.currency ?? 'USD',
  };
  const created = isoDate(claim.created);
  if (created) out.created = created;
  const end = isoDate(claim.billablePeriod?.end);
  if (end && end !== out.dateOfService) out.dateOfServiceEnd = end;
  const pName = patient?.name?.[0];
  if (pName?.family) out.patientFamily = pName.family;
  if (pName?.given?.length) out.patientGiven = pName.given.join(' ');
  if (patient?.birthDate) out.patientBirthDate = patient.birthDate;
  if (patient?.gender) out.patientGender = patient.gender;
  const home = patient?.address?.find((a) => a.use === 'home') ?? patient?.address?.[0];
  if (home?.line?.[0]) out.patientAddressLine1 = home.line[0];
  if (home?.line && home.line.length > 1) out.patientAddressLine2 = home.line.slice(1).join(', ');
  if (home?.city) out.patientCity = home.city;
  if (home?.state) out.patientState = home.state;
  if (home?.postalCode) out.patientPostalCode = home.postalCode;
  const prName = practitioner?.name?.[0];
  if (prName?.family) out.renderingProviderFamily = prName.family;
  if (prName?.given?.length) out.renderingProviderGiven = prName.given.join(' ');
  const billingName = billingOrg?.name ?? claim.provider?.display;
  if (billingName) out.billingProviderName = billingName;
  const auth = focal?.preAuthRef?.[0];
  if (auth) out.priorAuthorization = auth;
  // Claim.related prior: this claim replaces the payer's claim, or voids it when cancelled.
  const prior = claim.related?.find((r) => r.relationship?.coding?.some((c) => c.code === 'prior'));
  if (prior) {
    out.claimFrequency = claim.status === 'cancelled' ? 'void' : 'replacement';
    const number = prior.claim?.identifier?.value ?? prior.reference?.value;
    if (number) out.payerClaimNumber = number;
  }
  return { value: orderKeys(out), issues };
}

export const claimCodec = { toFhir: encounterToClaim, fromFhir: claimToEncounter };
