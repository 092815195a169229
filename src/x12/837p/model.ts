/**
 * The 837P model: what mappings/x12/837p.json writes and reads, as plain strings in X12 form
 * (dates CCYYMMDD, amounts without trailing zeros, ICD-10-CM without the dot).
 *
 * `claimModel` builds one 2000B subscriber entry from a validated claim Bundle: the codes, lines
 * and pointers through the billing codec (claimBundleToEncounter), the people from the Bundle's
 * Patient, Coverage(s) and subscriber RelatedPerson (2000C/2010CA when the patient is not the
 * subscriber, 2320/2330 for each further coverage). `encounterFromModel` reads a parsed 837P back
 * into the office billing encounter (the round trip).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Address, Bundle, Claim, Coverage, HumanName, Patient, Practitioner, RelatedPerson } from 'fhir/r4.js';
import { issue, type Issue, type Result } from '../../domain/issues.js';
import { bundleResolver, claimBundleToEncounter } from '../../adapters/claim-bundle.js';
import { cents, type BillingEncounter, type EncounterCoverage } from '../../billing/encounter.js';
import type { BillingIdentity, ClearinghouseIdentity, PostalAddress } from '../../billing/identity.js';
import { MAPPINGS_DIR } from '../../paths.js';

interface Codes {
  relationship: Record<string, string>;
  relationshipBack: Record<string, string>;
  sex: Record<string, string>;
  sexBack: Record<string, string>;
  claimFiling: Record<string, string>;
  claimFrequency: Record<string, string>;
  claimDefaults: Record<string, string>;
}
let codesCache: Codes | undefined;
export const x12Codes = (): Codes => (codesCache ??= JSON.parse(readFileSync(resolve(MAPPINGS_DIR, 'x12', 'codes.json'), 'utf8')) as Codes);

export interface PersonModel {
  entity?: string; last?: string; first?: string; middle?: string; memberId?: string;
  line1?: string; line2?: string; city?: string; state?: string; zip?: string; dob?: string; sex?: string;
}
export interface LineModel {
  n: string; qualifier: string; code: string; modifiers?: string[]; charge: string; unitBasis: string; units: string;
  /** SV1-05: only when the line's place of service differs from CLM05-1. */
  pos?: string;
  pointers: string[]; dateFormat: string; date: string;
}
export interface OtherCoverageModel { responsibility: string; relationship: string; filing: string; benefits: string; release: string; subscriber: PersonModel; payer: { name: string; id: string } }
export interface ClaimModel {
  id: string; total: string; pos: string; frequency: string; signature: string; assignment: string; benefits: string; release: string;
  priorAuth?: string; payerClaimNumber?: string; mrn?: string; dx: Array<{ q: string; code: string }>;
  rendering?: { entity: string; last: string; first?: string; npi: string };
  others?: OtherCoverageModel[]; lines: LineModel[];
}
export interface SubscriberEntry {
  responsibility: string; relationship?: string; group?: string; filing: string;
  subscriber: PersonModel; payer: { name: string; id: string };
  subscriberIsPatient?: boolean;
  patient?: PersonModel & { relationship: string };
  claim: ClaimModel;
}
export interface Model837 {
  batch: { purpose: string; reference: string; date: string; time: string; type: string };
  submitter: { entity: string; name: string; id: string; contactName: string; contactQualifier: string; contact: string };
  receiver: { name: string; id: string };
  billing: { entity: string; name: string; npi: string; taxonomy?: string; line1: string; line2?: string; city: string; state: string; zip: string; taxIdType: string; taxId: string };
  payTo?: { line1: string; line2?: string; city: string; state: string; zip: string };
  subscribers: SubscriberEntry[];
}

export const amount = (n: number): string => String(cents(n) / 100);
export const x12Date = (iso: string): string => iso.slice(0, 10).replace(/-/g, '');
export const isoDate = (d: string | undefined): string => (d === undefined ? '' : d.length >= 8 ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : d);
/** ICD-10-CM travels without its dot in HI (the dot follows the third character). */
export const dxOut = (code: string): string => code.replace('.', '');
export const dxIn = (code: string): string => (code.length > 3 ? `${code.slice(0, 3)}.${code.slice(3)}` : code);

const norm = (x: string): string => x.trim().toUpperCase().replace(/\s+/g, ' ');
const sameAddress = (a: PostalAddress, b: PostalAddress): boolean =>
  [a.line.join('|'), a.city, a.state, a.postalCode].map(norm).join('#') === [b.line.join('|'), b.city, b.state, b.postalCode].map(norm).join('#');

const addressModel = (a: PostalAddress) => ({ line1: a.line[0] ?? '', ...(a.line[1] ? { line2: a.line[1] } : {}), city: a.city, state: a.state, zip: a.postalCode });

function personName(n: HumanName[] | undefined): Pick<PersonModel, 'last' | 'first' | 'middle'> {
  const name = n?.find((x) => x.use === 'official') ?? n?.[0];
  const [first, ...middle] = name?.given ?? [];
  return { ...(name?.family ? { last: name.family } : {}), ...(first ? { first } : {}), ...(middle.length ? { middle: middle.join(' ') } : {}) };
}

function addressOf(a: Address[] | undefined): Pick<PersonModel, 'line1' | 'line2' | 'city' | 'state' | 'zip'> {
  const x = a?.find((y) => y.use === 'home') ?? a?.[0];
  if (!x?.line?.[0]) return {};
  return {
    line1: x.line[0], ...(x.line[1] ? { line2: x.line[1] } : {}),
    ...(x.city ? { city: x.city } : {}), ...(x.state ? { state: x.state } : {}), ...(x.postalCode ? { zip: x.postalCode.replace(/-/g, '') } : {}),
  };
}

const demographics = (r: { birthDate?: string; gender?: string }): Pick<PersonModel, 'dob' | 'sex'> =>
  r.birthDate ? { dob: x12Date(r.birthDate), sex: x12Codes().sex[r.gender ?? 'unknown'] ?? 'U' } : {};

function relationshipOf(c: Coverage | undefined): string {
  return c?.relationship?.coding?.find((x) => x.code)?.code ?? 'self';
}

function filingOf(c: Coverage | undefined): string {
  const t = x12Codes().claimFiling;
  const code = c?.type?.coding?.find((x) => x.code && t[x.code])?.code;
  return (code && t[code]) || t.default!;
}

function groupOf(c: Coverage | undefined): string | undefined {
  return c?.class?.find((k) => k.type?.coding?.some((x) => x.code === 'group'))?.value;
}

export interface ModelOptions {
  identity: BillingIdentity;
  clearinghouse: ClearinghouseIdentity;
  /** BHT-03 batch reference, BHT-04/05 creation time. */
  reference: string;
  at: Date;
}

/** The interchange-wide parts (BHT, 1000A/B, 2010AA/AB) for a batch. */
export function batchModel(o: ModelOptions, subscribers: SubscriberEntry[]): Model837 {
  const p = o.identity.provider;
  const s = o.clearinghouse.submitter;
  return {
    batch: { purpose: '00', reference: o.reference, date: x12Date(o.at.toISOString()), time: o.at.toISOString().slice(11, 16).replace(':', ''), type: 'CH' },
    submitter: { entity: '2', name: s.name, id: s.id, contactName: s.contactName, contactQualifier: s.phone ? 'TE' : 'EM', contact: s.phone ?? s.email ?? '' },
    receiver: { name: o.clearinghouse.receiver.name, id: o.clearinghouse.receiver.id },
    billing: {
      entity: '2', name: p.name, npi: p.npi, ...(p.taxonomy ? { taxonomy: p.taxonomy } : {}), ...addressModel(p.address),
      taxIdType: p.taxIdType, taxId: p.taxId,
    },
    // 2010AB only when payment goes elsewhere than the billing provider's address (the guide's situation).
    ...(o.identity.payTo && !sameAddress(o.identity.payTo.address, p.address) ? { payTo: addressModel(o.identity.payTo.address) } : {}),
    subscribers,
  };
}

/** One claim Bundle -> its 2000B entry. Issues name the Bundle element that is missing. */
export function claimModel(b: Bundle, identity: BillingIdentity): Result<SubscriberEntry> {
  const issues: Issue[] = [];
  const enc = claimBundleToEncounter(b);
  issues.push(...enc.issues);
  if (!enc.value) return { value: undefined, issues };
  const e = enc.value;
  const resolve = bundleResolver(b);
  const at = (r: unknown): string => `Bundle.entry[${(b.entry ?? []).findIndex((x) => x.resource === r)}].resource`;
  const claim = (b.entry ?? []).find((x) => x.resource?.resourceType === 'Claim')!.resource as Claim;
  const patient = resolve(claim.patient?.reference) as unknown as Patient | undefined;
  const insurance = [...(claim.insurance ?? [])].sort((x, y) => x.sequence - y.sequence);
  const coverages = insurance.map((i) => resolve(i.coverage?.reference) as unknown as Coverage | undefined);
  const practitioner = resolve(claim.careTeam?.[0]?.provider?.reference) as unknown as Practitioner | undefined;

  if (e.billingProviderNpi !== identity.provider.npi) {
    issues.push(issue('X12_INVALID', `The claim's billing provider NPI ${e.billingProviderNpi} is not the configured billing provider (billing.provider.npi ${identity.provider.npi}); the 837P 2010AA needs that provider's tax id and address.`, 'Claim.provider'));
  }
  const codes = x12Codes();
  const patientPerson: PersonModel = { entity: '1', ...personName(patient?.name), ...addressOf(patient?.address), ...(patient ? demographics(patient) : {}) };
  if (!patientPerson.last) issues.push(issue('MAP_MISSING', 'The patient has no family name (837P NM1-03 is required).', patient ? `${at(patient)}.name` : 'Claim.patient'));
  if (!patientPerson.line1 || !patientPerson.city) issues.push(issue('MAP_MISSING', 'The patient has no address (837P 2010BA/2010CA N3/N4 are required for the patient).', patient ? `${at(patient)}.address` : 'Claim.patient'));
  if (!patientPerson.dob) issues.push(issue('MAP_MISSING', 'The patient has no birth date (837P DMG-02 is required for the patient).', patient ? `${at(patient)}.birthDate` : 'Claim.patient'));

  const personFor = (c: Coverage | undefined, memberId: string): PersonModel => {
    const rel = relationshipOf(c);
    if (rel === 'self') return { ...patientPerson, memberId };
    const sub = resolve(c?.subscriber?.reference) as unknown as (RelatedPerson | Patient | undefined);
    const p: PersonModel = { entity: '1', ...personName(sub?.name), memberId, ...addressOf(sub?.address), ...(sub ? demographics(sub) : {}) };
    if (!p.last) issues.push(issue('MAP_MISSING', `Coverage ${c?.id ?? ''} names a subscriber other than the patient (${rel}) but not their name (837P NM1*IL-03).`, c ? `${at(c)}.subscriber` : 'Claim.insurance'));
    return p;
  };
  const primary = e.coverages[0] ?? ({ payerId: '', memberId: '' } as EncounterCoverage);
  const primaryCoverage = coverages[0];
  const rel = relationshipOf(primaryCoverage);
  const entry: SubscriberEntry = {
    responsibility: 'P',
    ...(rel === 'self' ? { relationship: '18', subscriberIsPatient: true } : {}),
    ...(groupOf(primaryCoverage) ? { group: groupOf(primaryCoverage)! } : {}),
    filing: filingOf(primaryCoverage),
    subscriber: rel === 'self' ? { ...patientPerson, memberId: primary.memberId } : personFor(primaryCoverage, primary.memberId),
    payer: { name: primary.payerName ?? '', id: primary.payerId },
    claim: {
      id: e.encounterId, total: amount(e.totalCharge), pos: e.placeOfService, ...codes.claimDefaults,
      frequency: codes.claimFrequency[e.claimFrequency ?? 'original']!,
      ...(e.priorAuthorization ? { priorAuth: e.priorAuthorization } : {}),
      ...(e.payerClaimNumber ? { payerClaimNumber: e.payerClaimNumber } : {}),
      mrn: e.patientMrn,
      dx: e.diagnoses.map((d, i) => ({ q: i === 0 ? 'ABK' : 'ABF', code: dxOut(d) })),
      rendering: { entity: '1', last: personName(practitioner?.name).last ?? e.renderingProviderFamily ?? '', ...(personName(practitioner?.name).first ? { first: personName(practitioner?.name).first! } : {}), npi: e.renderingProviderNpi },
      lines: e.lines.map((l, n) => ({
        n: String(n + 1), qualifier: 'HC', code: l.code, ...(l.modifiers?.length ? { modifiers: [...l.modifiers] } : {}),
        charge: amount(l.charge), unitBasis: 'UN', units: String(l.units),
        ...(l.placeOfService && l.placeOfService !== e.placeOfService ? { pos: l.placeOfService } : {}),
        pointers: l.pointers.map(String),
        dateFormat: 'D8', date: x12Date(l.dateOfService ?? e.dateOfService),
      })),
    } as ClaimModel,
  };
  if (!primary.payerName) issues.push(issue('MAP_MISSING', 'The primary payer has no name (837P 2010BB NM1-03).', 'Claim.insurance[0].coverage'));
  if (!entry.claim.rendering!.last) issues.push(issue('MAP_MISSING', 'The rendering provider has no family name (837P 2310B NM1-03).', 'Claim.careTeam[0].provider'));
  if (rel !== 'self') entry.patient = { ...patientPerson, relationship: codes.relationship[rel] ?? 'G8' };
  delete entry.patient?.memberId;
  delete entry.patient?.entity;
  const others = e.coverages.slice(1).map((c, k): OtherCoverageModel => {
    const cov = coverages[k + 1];
    const r = relationshipOf(cov);
    const person = personFor(cov, c.memberId);
    if (!c.payerName) issues.push(issue('MAP_MISSING', `Insurance ${k + 2} has no payer name (837P 2330B NM1-03).`, `Claim.insurance[${k + 1}].coverage`));
    return {
      responsibility: k === 0 ? 'S' : 'T', relationship: codes.relationship[r] ?? 'G8', filing: filingOf(cov), benefits: 'Y', release: 'Y',
      subscriber: { entity: '1', ...(person.last ? { last: person.last } : {}), ...(person.first ? { first: person.first } : {}), memberId: c.memberId },
      payer: { name: c.payerName ?? '', id: c.payerId },
    };
  });
  if (others.length) entry.claim.others = others;
  return { value: entry, issues };
}

/** A parsed 837P's 2000B entry -> the office billing encounter it carries (the round trip). */
export function encounterFromModel(s: SubscriberEntry, billing: Model837['billing'] | undefined): BillingEncounter {
  const codes = x12Codes();
  const person = s.patient ?? s.subscriber;
  // A parsed 837P may lack what the guide requires (reported by the reader): read what is there.
  const c: ClaimModel = { ...({ id: '', total: '', pos: '', lines: [], dx: [] } as unknown as ClaimModel), ...s.claim };
  const lines = (c.lines ?? []).map((l) => ({
    code: l.code, ...(l.modifiers?.filter(Boolean).length ? { modifiers: l.modifiers.filter(Boolean) } : {}),
    units: Number(l.units), charge: Number(l.charge), pointers: (l.pointers ?? []).filter(Boolean).map(Number), dateOfService: isoDate(l.date),
    ...(l.pos && l.pos !== c.pos ? { placeOfService: l.pos } : {}),
  }));
  const dates = lines.map((l) => l.dateOfService).sort();
  const frequency = Object.entries(codes.claimFrequency).find(([, v]) => v === c.frequency)?.[0];
  const coverages: EncounterCoverage[] = [
    { payerId: s.payer?.id ?? '', ...(s.payer?.name ? { payerName: s.payer.name } : {}), memberId: s.subscriber?.memberId ?? '' },
    ...(c.others ?? []).map((o) => ({ payerId: o.payer?.id ?? '', ...(o.payer?.name ? { payerName: o.payer.name } : {}), memberId: o.subscriber?.memberId ?? '' })),
  ];
  const e: BillingEncounter = {
    recordType: 'billing-encounter',
    encounterId: c.id,
    patientMrn: c.mrn ?? '',
    ...(person?.last ? { patientFamily: person.last } : {}),
    ...(person?.first || person?.middle ? { patientGiven: [person.first, person.middle].filter(Boolean).join(' ') } : {}),
    ...(person?.dob ? { patientBirthDate: isoDate(person.dob) } : {}),
    ...(person?.sex ? { patientGender: (codes.sexBack[person.sex] ?? 'unknown') as BillingEncounter['patientGender'] } : {}),
    ...(person?.line1 ? { patientAddressLine1: person.line1 } : {}),
    ...(person?.line2 ? { patientAddressLine2: person.line2 } : {}),
    ...(person?.city ? { patientCity: person.city } : {}),
    ...(person?.state ? { patientState: person.state } : {}),
    ...(person?.zip ? { patientPostalCode: person.zip } : {}),
    dateOfService: dates[0] ?? '',
    ...(dates.length && dates[dates.length - 1] !== dates[0] ? { dateOfServiceEnd: dates[dates.length - 1]! } : {}),
    placeOfService: c.pos,
    renderingProviderNpi: c.rendering?.npi ?? '',
    ...(c.rendering?.last ? { renderingProviderFamily: c.rendering.last } : {}),
    ...(c.rendering?.first ? { renderingProviderGiven: c.rendering.first } : {}),
    billingProviderNpi: billing?.npi ?? '',
    ...(billing?.name ? { billingProviderName: billing.name } : {}),
    ...(c.priorAuth ? { priorAuthorization: c.priorAuth } : {}),
    ...(frequency && frequency !== 'original' ? { claimFrequency: frequency as BillingEncounter['claimFrequency'] } : {}),
    ...(c.payerClaimNumber ? { payerClaimNumber: c.payerClaimNumber } : {}),
    coverages,
    diagnoses: (c.dx ?? []).map((d) => dxIn(d.code)),
    lines,
    totalCharge: Number(c.total),
  };
  return e;
}
