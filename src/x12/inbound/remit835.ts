/**
 * 835 Health Care Claim Payment/Advice (005010X221A1) in: the payment (BPR) and its trace (TRN),
 * one adjudicated claim per CLP with its service lines (SVC), adjustments (CAS group + CARC),
 * remark codes (LQ*HE, RARC) and the provider adjustments (PLB).
 *
 * The guide's balancing is checked before anything may be posted, in cents:
 *  - each line: SVC-02 charge - its CAS amounts = SVC-03 paid;
 *  - each claim: CLP-03 charge - every CAS amount (claim and lines) = CLP-04 paid, and, with lines,
 *    the lines' paid - the claim-level CAS = CLP-04;
 *  - the payment: BPR-02 = the claims' CLP-04 - the PLB amounts.
 * Any failure is an X12_UNBALANCED error naming where (`2100[2].CLP-04`): the remittance is
 * reported, not posted.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ClaimResponse, ClaimResponseItem, ClaimResponseItemAdjudication } from 'fhir/r4.js';
import { MAPPINGS_DIR } from '../../paths.js';
import { issue, type Issue, type Result } from '../../domain/issues.js';
import { cents } from '../../billing/encounter.js';
import { readWithMap } from '../read.js';
import { claimResponseFor, fhirDate } from './claim-response.js';

interface Cas { group: string; items?: Array<{ reason: string; amount: string; quantity?: string }> }
interface Line { qualifier: string; code: string; modifiers?: string[]; charge: string; paid: string; units?: string; dates?: Array<{ qualifier: string; date: string }>; adjustments?: Cas[]; refs?: Array<{ qualifier: string; value: string }>; amounts?: Array<{ qualifier: string; amount: string }>; remarks?: Array<{ qualifier: string; code: string }> }
interface Clp { claimId: string; status: string; charge: string; paid: string; patientResponsibility?: string; filing: string; payerClaimNumber: string; adjustments?: Cas[]; patient?: { last?: string; first?: string; id?: string }; lines?: Line[] }
interface Model835 {
  payment: { handling: string; amount: string; creditDebit: string; method: string; date: string };
  trace: { number: string; originator: string };
  payer: { name: string; id?: string };
  payee: { name: string; idQualifier: string; id: string };
  headers?: Array<{ number: string; claims?: Clp[] }>;
  providerAdjustments?: Array<{ provider: string; fiscalDate: string; items?: Array<{ reason: string; reference?: string; amount: string }> }>;
}

export const CARC_SYSTEM = 'https://x12.org/codes/claim-adjustment-reason-codes';
export const RARC_SYSTEM = 'https://x12.org/codes/remittance-advice-remark-codes';
export const CAS_GROUP_SYSTEM = 'https://x12.org/codes/claim-adjustment-group-codes';
const ADJUDICATION = 'http://terminology.hl7.org/CodeSystem/adjudication';

interface RemittanceCodes {
  claimStatus: Record<string, { display: string; denied?: boolean }>;
  adjustmentGroups: Record<string, string>;
}
let codesCache: RemittanceCodes | undefined;
/** CLP-02 and CAS-01 code lists (mappings/x12/remittance-codes.json), loaded once. */
const remittanceCodes = (): RemittanceCodes => (codesCache ??= JSON.parse(readFileSync(resolve(MAPPINGS_DIR, 'x12', 'remittance-codes.json'), 'utf8')) as RemittanceCodes);
const statusText = (code: string): string | undefined => remittanceCodes().claimStatus[code]?.display;

export interface PostingAdjustment { group: string; reason: string; amount: number; line?: number }

/** The office payment-posting record (recordType "payment-posting"), one per CLP. */
export interface PaymentPosting {
  recordType: 'payment-posting';
  claimId: string;
  payerClaimNumber: string;
  payer: string;
  claimStatus: string;
  /** BPR-04 method (CHK, ACH...), TRN-02 check or EFT trace number, BPR-16 date. */
  paymentMethod: string;
  paymentTrace: string;
  paymentDate: string;
  charged: number;
  paid: number;
  patientResponsibility: number;
  adjustments: PostingAdjustment[];
  remarks: string[];
  lines: Array<{ line: number; code: string; modifiers?: string[]; charged: number; paid: number; adjustments: PostingAdjustment[]; remarks: string[] }>;
}

export interface Remittance {
  payment: { method: string; amount: number; date: string; trace: string; originator: string; payer: string; payee: { name: string; id: string } };
  providerAdjustments: Array<{ provider: string; reason: string; reference?: string | undefined; amount: number }>;
  claims: Array<{ claimResponse: ClaimResponse; posting: PaymentPosting }>;
  /** True when every balancing rule holds; only a balanced remittance may be posted. */
  balanced: boolean;
}

const money = (n: number) => ({ value: n, currency: 'USD' as const });
const sumCas = (list: Cas[] | undefined): number => (list ?? []).reduce((s, c) => s + (c.items ?? []).reduce((t, i) => t + cents(Number(i.amount || 0)), 0), 0);
const flat = (list: Cas[] | undefined, line?: number): PostingAdjustment[] =>
  (list ?? []).flatMap((c) => (c.items ?? []).filter((i) => i.reason).map((i) => ({ group: c.group, reason: i.reason, amount: Number(i.amount), ...(line !== undefined ? { line } : {}) })));
const fmt = (c: number): string => (c / 100).toFixed(2);

function adjudication(adjs: PostingAdjustment[]): ClaimResponseItemAdjudication[] {
  return adjs.map((a) => ({
    category: { coding: [{ system: CAS_GROUP_SYSTEM, code: a.group, display: remittanceCodes().adjustmentGroups[a.group] ?? a.group }] },
    reason: { coding: [{ system: CARC_SYSTEM, code: a.reason }] },
    amount: money(a.amount),
  }));
}

/** Balancing of one claim; issues name the 835 element. */
function balanceClaim(c: Clp, where: string, issues: Issue[]): void {
  const bad = (msg: string, at: string) => issues.push(issue('X12_UNBALANCED', msg, at));
  (c.lines ?? []).forEach((l, n) => {
    const lw = `${where}.2110[${n + 1}]`;
    const want = cents(Number(l.charge)) - sumCas(l.adjustments);
    if (want !== cents(Number(l.paid))) bad(`Claim ${c.claimId} line ${n + 1}: charge ${l.charge} - adjustments ${fmt(sumCas(l.adjustments))} = ${fmt(want)}, but SVC-03 pays ${l.paid}.`, `${lw}.SVC-03`);
  });
  const all = sumCas(c.adjustments) + (c.lines ?? []).reduce((s, l) => s + sumCas(l.adjustments), 0);
  const want = cents(Number(c.charge)) - all;
  if (want !== cents(Number(c.paid))) bad(`Claim ${c.claimId}: charge ${c.charge} - adjustments ${fmt(all)} = ${fmt(want)}, but CLP-04 pays ${c.paid}.`, `${where}.CLP-04`);
  if (c.lines?.length) {
    const linesPaid = c.lines.reduce((s, l) => s + cents(Number(l.paid)), 0) - sumCas(c.adjustments);
    if (linesPaid !== cents(Number(c.paid))) bad(`Claim ${c.claimId}: the lines pay ${fmt(linesPaid)} after claim adjustments, but CLP-04 pays ${c.paid}.`, `${where}.CLP-04`);
  }
}

export function read835(text: string): Result<Remittance> {
  const r = readWithMap<Model835>(text, '835');
  if (!r.value) return { value: undefined, issues: r.issues };
  const issues: Issue[] = [...r.issues];
  if (r.value.sets.length !== 1) {
    issues.push(issue('X12_INVALID', `An 835 interchange here holds one remittance (transaction set); this one holds ${r.value.sets.length}.`, 'ST'));
    return { value: undefined, issues };
  }
  const m = r.value.sets[0]!.model;
  const allClaims: Array<{ c: Clp; where: string }> = [];
  (m.headers ?? []).forEach((h, hi) => (h.claims ?? []).forEach((c, ci) => {
    // The same short location rule as the reader: a repeating ancestor is named when not the first.
    const where = `${hi > 0 ? `2000[${hi + 1}].` : ''}2100[${ci + 1}]`;
    allClaims.push({ c, where });
  }));
  const before = issues.length;
  for (const { c, where } of allClaims) if (c.claimId) balanceClaim(c, where, issues);
  const plb = (m.providerAdjustments ?? []).flatMap((p) => (p.items ?? []).filter((i) => i.reason).map((i) => ({ provider: p.provider, reason: i.reason, reference: i.reference, amount: Number(i.amount) })));
  const claimsPaid = allClaims.reduce((s, { c }) => s + cents(Number(c.paid || 0)), 0);
  const plbTotal = plb.reduce((s, p) => s + cents(p.amount), 0);
  if (m.payment?.amount !== undefined && claimsPaid - plbTotal !== cents(Number(m.payment.amount))) {
    issues.push(issue('X12_UNBALANCED', `BPR-02 pays ${m.payment.amount}; the claims pay ${fmt(claimsPaid)} less provider adjustments ${fmt(plbTotal)} = ${fmt(claimsPaid - plbTotal)}.`, 'BPR-02'));
  }
  const balanced = !issues.slice(before).some((i) => i.severity === 'error');
  const date = fhirDate(m.payment?.date);
  const payment = {
    method: m.payment?.method ?? '', amount: Number(m.payment?.amount ?? 0), date, trace: m.trace?.number ?? '', originator: m.trace?.originator ?? '', payer: m.payer?.name ?? '',
    payee: { name: m.payee?.name ?? '', id: m.payee?.id ?? '' },
  };
  const claims = allClaims.map(({ c }) => toClaim(c, m, payment));
  return { value: { payment, providerAdjustments: plb, claims, balanced }, issues };
}

function toClaim(c: Clp, m: Model835, payment: Remittance['payment']): Remittance['claims'][number] {
  const claimAdjs = flat(c.adjustments);
  const remarksAll: string[] = [];
  const lines = (c.lines ?? []).map((l, n) => {
    const lineNo = Number(l.refs?.find((x) => x.qualifier === '6R')?.value) || n + 1;
    const remarks = (l.remarks ?? []).filter((x) => x.qualifier === 'HE').map((x) => x.code);
    remarksAll.push(...remarks);
    return { line: lineNo, code: l.code, ...(l.modifiers?.filter(Boolean).length ? { modifiers: l.modifiers.filter(Boolean) } : {}), charged: Number(l.charge), paid: Number(l.paid), adjustments: flat(l.adjustments, lineNo), remarks };
  });
  const denied = remittanceCodes().claimStatus[c.status]?.denied === true;
  const cr = claimResponseFor({
    source: '835', claimId: c.claimId, outcome: 'complete', created: payment.date, insurer: { name: m.payer?.name, id: m.payer?.id },
    patient: { name: [c.patient?.first, c.patient?.last].filter(Boolean).join(' '), memberId: c.patient?.id }, payerClaimNumber: c.payerClaimNumber,
    disposition: `${statusText(c.status) ?? `CLP-02 ${c.status}`}; paid ${c.paid} of ${c.charge}`,
  });
  const notes = [...new Set(remarksAll)];
  if (notes.length) cr.processNote = notes.map((code, i) => ({ number: i + 1, type: 'print', text: `RARC ${code}` }));
  const items: ClaimResponseItem[] = lines.map((l) => ({
    itemSequence: l.line,
    ...(l.remarks.length ? { noteNumber: l.remarks.map((x) => notes.indexOf(x) + 1) } : {}),
    adjudication: [
      { category: { coding: [{ system: ADJUDICATION, code: 'submitted' }] }, amount: money(l.charged) },
      ...adjudication(l.adjustments),
      { category: { coding: [{ system: ADJUDICATION, code: 'benefit' }] }, amount: money(l.paid) },
    ],
  }));
  if (items.length) cr.item = items;
  if (claimAdjs.length) cr.adjudication = adjudication(claimAdjs);
  cr.total = [
    { category: { coding: [{ system: ADJUDICATION, code: 'submitted' }] }, amount: money(Number(c.charge)) },
    { category: { coding: [{ system: ADJUDICATION, code: 'benefit' }] }, amount: money(Number(c.paid)) },
  ];
  cr.payment = {
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/ex-paymenttype', code: 'complete' }] },
    ...(payment.date ? { date: payment.date } : {}),
    amount: money(Number(c.paid)),
    ...(payment.trace ? { identifier: { system: 'https://frontdesk.example.org/sid/payment-trace', value: payment.trace } } : {}),
  };
  // A denied claim's reasons are its errors too, so the billing record says why.
  if (denied && claimAdjs.length) cr.error = claimAdjs.map((a) => ({ code: { coding: [{ system: CARC_SYSTEM, code: a.reason }], text: `${a.group}-${a.reason} ${a.amount}` } }));
  const posting: PaymentPosting = {
    recordType: 'payment-posting',
    claimId: c.claimId,
    payerClaimNumber: c.payerClaimNumber,
    payer: m.payer?.name ?? '',
    claimStatus: statusText(c.status) ?? c.status,
    paymentMethod: payment.method,
    paymentTrace: payment.trace,
    paymentDate: payment.date,
    charged: Number(c.charge),
    paid: Number(c.paid),
    patientResponsibility: Number(c.patientResponsibility ?? 0),
    adjustments: [...claimAdjs, ...lines.flatMap((l) => l.adjustments)],
    remarks: notes,
    lines,
  };
  return { claimResponse: cr, posting };
}
