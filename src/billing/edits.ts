/**
 * Pre-submission claim edits: the checks a clearinghouse front-end rejects a professional claim
 * on, run before we send it. Each failure is a CLAIM_EDIT issue naming the element (office
 * field path or Claim FHIRPath). Never throws.
 *
 * `claimEdits` takes an office billing encounter, a FHIR Claim or a claim-submission Bundle.
 */
import type { Bundle, Claim } from 'fhir/r4.js';
import { issue, type Issue } from '../domain/issues.js';
import { claimToEncounter, type Resolver } from '../adapters/claim.js';
import { isIcd10Cm, isModifier, placeOfService, procedureCodeKind } from './codes.js';
import { cents, type BillingEncounter } from './encounter.js';
import { claimLocator, encounterLocator, type EditLocator } from './locations.js';
import { npiProblem } from './npi.js';

export interface EditOptions {
  /**
   * Today's date (YYYY-MM-DD) for the no-future-date edit. Default: the latest calendar date
   * anywhere (UTC+14), so a visit dated today in any practice's timezone is never "future".
   */
  today?: string;
}

/** The calendar date (YYYY-MM-DD) now in an IANA timezone. */
export function todayIn(timezone: string, now: Date = new Date()): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

const latestToday = (): string => new Date(Date.now() + 14 * 3_600_000).toISOString().slice(0, 10);

export const MAX_DIAGNOSES = 12;
export const MAX_POINTERS = 4;
export const MAX_MODIFIERS = 4;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const edit = (diagnostics: string, where: string): Issue => issue('CLAIM_EDIT', diagnostics, where);

function npiEdit(npi: string, what: string, where: string): Issue[] {
  if (!npi?.trim()) return [edit(`${what} NPI is missing.`, where)];
  const p = npiProblem(npi);
  if (p === 'format') return [edit(`${what} NPI "${npi ?? ''}" is not 10 digits.`, where)];
  if (p === 'check-digit') return [edit(`${what} NPI "${npi}" fails its check digit (Luhn over prefix 80840).`, where)];
  return [];
}

function dateEdit(d: string | undefined, what: string, where: string, today: string): Issue[] {
  if (!d?.trim()) return [edit(`${what} is missing.`, where)];
  if (!DATE.test(d) || Number.isNaN(Date.parse(d))) return [edit(`${what} "${d}" is not a date (YYYY-MM-DD).`, where)];
  if (d > today) return [edit(`${what} ${d} is in the future (today is ${today}).`, where)];
  return [];
}

/** The edits over an encounter-shaped claim; `loc` names elements in the caller's terms. */
export function encounterEdits(e: BillingEncounter, loc: EditLocator = encounterLocator, opts: EditOptions = {}): Issue[] {
  const today = opts.today ?? latestToday();
  const out: Issue[] = [];
  if (!e.encounterId) out.push(edit('The claim has no encounter / claim number.', loc.encounterId));
  out.push(...npiEdit(e.renderingProviderNpi, 'Rendering provider', loc.renderingNpi));
  if (!e.billingProviderNpi?.trim()) out.push(edit('The claim has no billing provider NPI: the input names none and the configuration has no billing.provider to take it from.', loc.billingNpi));
  else out.push(...npiEdit(e.billingProviderNpi, 'Billing provider', loc.billingNpi));
  out.push(...dateEdit(e.dateOfService, 'Date of service', loc.dateOfService, today));
  if (!e.placeOfService?.trim()) out.push(edit('Place of service is missing (a CMS place-of-service code, e.g. 11 for an office).', loc.placeOfService));
  else if (!placeOfService(e.placeOfService)) out.push(edit(`Place of service "${e.placeOfService}" is not a CMS place-of-service code.`, loc.placeOfService));

  // A replacement or void names the claim the payer has (837P REF*F8 is required with CLM05-3 7/8).
  const freq = e.claimFrequency ?? 'original';
  if (!['original', 'replacement', 'void'].includes(freq)) out.push(edit(`Claim frequency "${freq}" is not original, replacement or void.`, loc.claimFrequency));
  else if (freq !== 'original' && !e.payerClaimNumber?.trim()) out.push(edit(`A ${freq} claim needs the payer's claim control number of the claim it ${freq === 'void' ? 'voids' : 'replaces'} (835 CLP-07; 837P REF*F8).`, loc.payerClaimNumber));
  else if (freq === 'original' && e.payerClaimNumber?.trim()) out.push(edit('A payer claim number is sent only with a replacement or void (claimFrequency); an original claim has none yet.', loc.payerClaimNumber));
  if (freq === 'void' && e.status !== undefined && e.status !== 'cancelled') out.push(edit(`A void claim is cancelled, not ${e.status}.`, loc.status));
  if (freq === 'replacement' && e.status === 'cancelled') out.push(edit('A replacement claim is not cancelled; to withdraw the payer\'s claim, send a void (claimFrequency void).', loc.status));

  const coverages = e.coverages ?? [];
  if (coverages.length === 0) out.push(edit('The claim has no insurance: a payer and member id are required to submit it.', loc.coverages));
  coverages.forEach((c, k) => {
    if (!c.memberId?.trim()) out.push(edit(`Insurance ${k + 1} (payer ${c.payerId || 'unknown'}) has no member id.`, loc.memberId(k)));
  });

  const dx = e.diagnoses ?? [];
  if (dx.length === 0) out.push(edit('The claim has no diagnosis.', loc.diagnoses));
  if (dx.length > MAX_DIAGNOSES) out.push(edit(`The claim has ${dx.length} diagnoses; a professional claim holds at most ${MAX_DIAGNOSES}.`, loc.diagnoses));
  dx.forEach((d, i) => {
    if (!d?.trim()) out.push(edit(`Diagnosis ${i + 1} is missing (empty).`, loc.diagnosis(i)));
    else if (!isIcd10Cm(d)) out.push(edit(`Diagnosis ${i + 1} "${d ?? ''}" is not an ICD-10-CM code (letter, digit, alphanumeric, optional dot and up to 4 more).`, loc.diagnosis(i)));
  });

  const lines = e.lines ?? [];
  if (lines.length === 0) out.push(edit('The claim has no service line.', loc.line(0)));
  let sum = 0;
  lines.forEach((l, n) => {
    if (!l.code?.trim()) out.push(edit(`Line ${n + 1} has no procedure code.`, loc.lineCode(n)));
    else if (!procedureCodeKind(l.code)) out.push(edit(`Line ${n + 1} procedure code "${l.code ?? ''}" is neither a CPT (5 digits, or 4 digits + F/T/U) nor a HCPCS Level II code (letter A-V + 4 digits).`, loc.lineCode(n)));
    const mods = l.modifiers ?? [];
    if (mods.length > MAX_MODIFIERS) out.push(edit(`Line ${n + 1} has ${mods.length} modifiers; at most ${MAX_MODIFIERS}.`, loc.modifier(n, MAX_MODIFIERS)));
    mods.forEach((m, j) => { if (!m?.trim()) out.push(edit(`Line ${n + 1} modifier ${j + 1} is empty.`, loc.modifier(n, j))); else if (!isModifier(m)) out.push(edit(`Line ${n + 1} modifier "${m ?? ''}" is not two letters or digits.`, loc.modifier(n, j))); });
    const ptrs = l.pointers ?? [];
    if (ptrs.length === 0) out.push(edit(`Line ${n + 1} points at no diagnosis.`, loc.pointers(n)));
    if (ptrs.length > MAX_POINTERS) out.push(edit(`Line ${n + 1} has ${ptrs.length} diagnosis pointers; at most ${MAX_POINTERS}.`, loc.pointers(n)));
    ptrs.forEach((p, j) => {
      if (!Number.isInteger(p) || p < 1 || p > dx.length) out.push(edit(`Line ${n + 1} points at diagnosis ${p} of ${dx.length}.`, loc.pointer(n, j)));
      else if (ptrs.indexOf(p) !== j) out.push(edit(`Line ${n + 1} points at diagnosis ${p} twice.`, loc.pointer(n, j)));
    });
    if (!(typeof l.units === 'number' && l.units > 0)) out.push(edit(`Line ${n + 1} has ${l.units ?? 'no'} units; units must be positive.`, loc.units(n)));
    if (!(typeof l.charge === 'number' && Number.isFinite(l.charge) && l.charge > 0)) out.push(edit(`Line ${n + 1} charge ${l.charge ?? '(none)'} is not a positive amount.`, loc.charge(n)));
    else sum += cents(l.charge);
    if (l.dateOfService !== undefined) out.push(...dateEdit(l.dateOfService, `Line ${n + 1} date of service`, loc.lineDate(n), today));
    if (l.placeOfService !== undefined && !placeOfService(l.placeOfService)) out.push(edit(`Line ${n + 1} place of service "${l.placeOfService}" is not a CMS place-of-service code.`, loc.linePlaceOfService(n)));
    // The first line's place of service is the claim's (837P CLM05-1; a FHIR Claim has no other).
    else if (n === 0 && l.placeOfService && l.placeOfService !== e.placeOfService) out.push(edit(`Line 1 place of service "${l.placeOfService}" differs from the claim's "${e.placeOfService}"; the first line's place of service is the claim's (837P CLM05-1), only later lines may name another (SV1-05).`, loc.linePlaceOfService(0)));
  });
  const allPositive = lines.every((l) => typeof l.charge === 'number' && l.charge > 0);
  if (typeof e.totalCharge !== 'number' || !Number.isFinite(e.totalCharge)) out.push(edit('The claim has no total charge.', loc.total));
  else if (allPositive && cents(e.totalCharge) !== sum) out.push(edit(`Total charge ${e.totalCharge.toFixed(2)} is not the sum of the lines (${(sum / 100).toFixed(2)}).`, loc.total));
  return out;
}


/** The entry index of a reference inside a Bundle (by fullUrl or Type/id). */
function bundleResolver(b: Bundle): { resolve: Resolver; indexOf: (ref: string | undefined) => number } {
  const indexOf = (ref: string | undefined): number => {
    if (!ref) return -1;
    return (b.entry ?? []).findIndex((en) => en.fullUrl === ref || (en.resource && `${en.resource.resourceType}/${en.resource.id}` === ref));
  };
  return { indexOf, resolve: (ref) => (b.entry?.[indexOf(ref)]?.resource as Record<string, unknown> | undefined) };
}

/**
 * Claim edits for `frontdesk validate` and before submission: an office billing encounter, a
 * FHIR Claim, or a claim-submission Bundle (the Claim entry is checked; member ids are read from
 * the Coverage entries). Anything else yields no issues.
 */
/**
 * A Claim may name its providers and coverages only by reference (`Practitioner/x`). When such
 * a reference cannot be resolved (a Claim on its own, not in a claim Bundle), the NPI / member
 * id behind it is unknown: those edits are reported as not checked instead of failed.
 */
function unchecked(claim: Claim, resolve: Resolver, loc: EditLocator, issues: Issue[]): Issue[] {
  const opaque = (r: { reference?: string; identifier?: { value?: string } } | undefined): r is { reference: string } =>
    !!r?.reference && !r.identifier?.value && resolve(r.reference) === undefined;
  const skip = new Map<string, string>();
  const team = claim.careTeam?.find((t) => t.sequence === 1) ?? claim.careTeam?.[0];
  if (opaque(team?.provider)) skip.set(loc.renderingNpi, team!.provider.reference!);
  if (opaque(claim.provider)) skip.set(loc.billingNpi, claim.provider.reference!);
  (claim.insurance ?? []).forEach((ins, k) => { if (opaque(ins.coverage)) skip.set(loc.memberId(k), ins.coverage.reference!); });
  return issues.map((i) => {
    const where = i.expression?.[0] ?? '';
    const ref = skip.get(where);
    if (!ref) return i;
    return issue('FHIR_NOT_CHECKED', `Not checked: ${where} is behind ${ref}, which is not in the input; validate the claim Bundle to check it.`, where);
  });
}

export function claimEdits(input: unknown, opts: EditOptions = {}): Issue[] {
  if (typeof input !== 'object' || input === null) return [];
  const obj = input as Record<string, unknown>;
  if (obj.recordType === 'billing-encounter') return encounterEdits(input as BillingEncounter, encounterLocator, opts);
  if (obj.resourceType === 'Claim') {
    const claim = input as Claim;
    const enc = claimToEncounter(claim);
    const loc = claimLocator('Claim');
    return enc.value ? unchecked(claim, () => undefined, loc, encounterEdits(enc.value, loc, opts)) : [];
  }
  if (obj.resourceType === 'Bundle') {
    const b = input as Bundle;
    const at = (b.entry ?? []).findIndex((e) => e.resource?.resourceType === 'Claim');
    if (at < 0) return [];
    const claim = b.entry![at]!.resource as Claim;
    const { resolve, indexOf } = bundleResolver(b);
    const enc = claimToEncounter(claim, resolve);
    if (!enc.value) return [];
    const memberAt = (k: number): string | undefined => {
      const ins = claim.insurance?.[k];
      if (ins?.coverage?.identifier?.value !== undefined) return undefined;
      const ci = indexOf(ins?.coverage?.reference);
      return ci >= 0 ? `Bundle.entry[${ci}].resource.subscriberId` : undefined;
    };
    const loc = claimLocator(`Bundle.entry[${at}].resource`, memberAt);
    return unchecked(claim, resolve, loc, encounterEdits(enc.value, loc, opts));
  }
  return [];
}
