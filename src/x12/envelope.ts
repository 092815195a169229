/**
 * X12 envelopes: ISA/IEA interchange, GS/GE functional group, ST/SE transaction set.
 * Building pads the ISA's fixed-width elements; reading splits an interchange into groups and
 * transactions and checks what the envelope promises: IEA-01 group count, GE-01 transaction
 * count, SE-01 segment count (ST and SE included), and that IEA-02/GE-02/SE-02 repeat the
 * control numbers of ISA-13/GS-06/ST-02.
 */
import { issue, type Issue, type Result } from '../domain/issues.js';
import { DEFAULT_DELIMITERS, el, readX12Text, type Delimiters, type X12Segment } from './syntax.js';
import type { OutSegment } from './writer.js';

export interface InterchangeHeader {
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  /** ISA-15: T test, P production. */
  usage: 'T' | 'P';
  /** ISA-13, 1..999999999. */
  controlNumber: number;
  /** When the interchange was made (ISA-09/10, GS-04/05), in UTC. */
  at: Date;
}

export interface GroupHeader {
  /** GS-01 functional identifier (HC claims, HS eligibility inquiry). */
  functionalId: string;
  senderCode: string;
  receiverCode: string;
  /** GS-06. */
  controlNumber: number;
  /** GS-08, e.g. 005010X222A1. */
  version: string;
}

const pad = (v: string, w: number): string => v.slice(0, w).padEnd(w, ' ');
const ccyymmdd = (d: Date): string => d.toISOString().slice(0, 10).replace(/-/g, '');
const hhmm = (d: Date): string => d.toISOString().slice(11, 16).replace(':', '');

/** The ISA segment (fixed widths). */
export function isaSegment(h: InterchangeHeader, d: Delimiters = DEFAULT_DELIMITERS): OutSegment {
  return {
    id: 'ISA',
    elements: [
      '00', pad('', 10), '00', pad('', 10),
      pad(h.senderQualifier, 2), pad(h.senderId, 15), pad(h.receiverQualifier, 2), pad(h.receiverId, 15),
      ccyymmdd(h.at).slice(2), hhmm(h.at), d.repetition, '00501', String(h.controlNumber).padStart(9, '0'),
      '0', h.usage, d.component,
    ],
  };
}

/**
 * Wrap transaction bodies (each without ST/SE) into one interchange with one functional group.
 * `transactions[i].controlNumber` is ST-02; SE-01 counts the body plus ST and SE.
 */
export function envelope(
  h: InterchangeHeader, g: GroupHeader,
  transactions: Array<{ setId: string; controlNumber: string; body: OutSegment[] }>,
  d: Delimiters = DEFAULT_DELIMITERS,
): OutSegment[] {
  const out: OutSegment[] = [isaSegment(h, d)];
  out.push({ id: 'GS', elements: [g.functionalId, g.senderCode, g.receiverCode, ccyymmdd(h.at), hhmm(h.at), String(g.controlNumber), 'X', g.version] });
  for (const t of transactions) {
    out.push({ id: 'ST', elements: [t.setId, t.controlNumber, g.version] });
    out.push(...t.body);
    out.push({ id: 'SE', elements: [String(t.body.length + 2), t.controlNumber] });
  }
  out.push({ id: 'GE', elements: [String(transactions.length), String(g.controlNumber)] });
  out.push({ id: 'IEA', elements: ['1', String(h.controlNumber).padStart(9, '0')] });
  return out;
}

// ---------------------------------------------------------------- reading

export interface Transaction {
  st: X12Segment;
  /** The segments between ST and SE. */
  body: X12Segment[];
  se: X12Segment | undefined;
  /** 1-based among all transactions of the interchange, for locations (`ST[2]`). */
  index: number;
}

export interface Group {
  gs: X12Segment;
  ge: X12Segment | undefined;
  transactions: Transaction[];
}

export interface Interchange {
  delimiters: Delimiters;
  isa: X12Segment;
  iea: X12Segment | undefined;
  groups: Group[];
}

const bad = (msg: string, where: string): Issue => issue('X12_SYNTAX', msg, where);

/** Read and check an interchange's envelopes. Value undefined only when no ISA can be read. */
export function readInterchange(raw: string): Result<Interchange> {
  const t = readX12Text(raw);
  if (!t.value) return { value: undefined, issues: t.issues };
  const issues: Issue[] = [...t.issues];
  const segs = t.value.segments;
  const isa = segs[0]!;
  const ic: Interchange = { delimiters: t.value.delimiters, isa, iea: undefined, groups: [] };
  let group: Group | undefined;
  let tx: Transaction | undefined;
  let txCount = 0;
  for (const s of segs.slice(1)) {
    switch (s.id) {
      case 'ISA':
        issues.push(bad(`A second ISA at segment ${s.position}: one interchange per file.`, `segment ${s.position}`));
        break;
      case 'GS':
        if (tx) issues.push(bad(`GS at segment ${s.position} before the SE of transaction ${el(tx.st, 2)}.`, `segment ${s.position}`));
        tx = undefined;
        group = { gs: s, ge: undefined, transactions: [] };
        ic.groups.push(group);
        break;
      case 'ST':
        if (!group) { issues.push(bad(`ST at segment ${s.position} outside a GS/GE group.`, `segment ${s.position}`)); break; }
        if (tx) issues.push(bad(`ST at segment ${s.position} before the SE of transaction ${el(tx.st, 2)}.`, `ST[${tx.index}]`));
        tx = { st: s, body: [], se: undefined, index: ++txCount };
        group.transactions.push(tx);
        break;
      case 'SE':
        if (!tx) { issues.push(bad(`SE at segment ${s.position} without its ST.`, `segment ${s.position}`)); break; }
        tx.se = s;
        tx = undefined;
        break;
      case 'GE':
        if (!group) { issues.push(bad(`GE at segment ${s.position} without its GS.`, `segment ${s.position}`)); break; }
        group.ge = s;
        group = undefined;
        break;
      case 'IEA':
        ic.iea = s;
        break;
      default:
        if (tx) tx.body.push(s);
        else issues.push(bad(`Segment ${s.id} at ${s.position} is outside any ST/SE transaction.`, `segment ${s.position}`));
    }
  }
  issues.push(...checkCounts(ic));
  return { value: ic, issues };
}

function checkCounts(ic: Interchange): Issue[] {
  const out: Issue[] = [];
  const isa13 = el(ic.isa, 13);
  if (!/^\d{9}$/.test(isa13)) out.push(bad(`ISA-13 "${isa13}" is not a nine-digit control number.`, 'ISA-13'));
  if (!ic.iea) out.push(bad('The interchange has no IEA: it is truncated.', 'IEA'));
  else {
    if (el(ic.iea, 2) !== isa13) out.push(bad(`IEA-02 "${el(ic.iea, 2)}" does not repeat ISA-13 "${isa13}".`, 'IEA-02'));
    if (Number(el(ic.iea, 1)) !== ic.groups.length) out.push(bad(`IEA-01 says ${el(ic.iea, 1)} functional groups; the interchange holds ${ic.groups.length}.`, 'IEA-01'));
  }
  ic.groups.forEach((g, gi) => {
    const gs06 = el(g.gs, 6);
    const at = `GS[${gi + 1}]`;
    if (!g.ge) { out.push(bad(`Functional group ${gs06} has no GE: it is truncated.`, `${at}.GE`)); return; }
    if (el(g.ge, 2) !== gs06) out.push(bad(`GE-02 "${el(g.ge, 2)}" does not repeat GS-06 "${gs06}".`, `${at}.GE-02`));
    if (Number(el(g.ge, 1)) !== g.transactions.length) out.push(bad(`GE-01 says ${el(g.ge, 1)} transaction sets; the group holds ${g.transactions.length}.`, `${at}.GE-01`));
    for (const t of g.transactions) {
      const st02 = el(t.st, 2);
      const tat = `ST[${t.index}]`;
      if (!t.se) { out.push(bad(`Transaction set ${st02} has no SE: it is truncated.`, `${tat}.SE`)); continue; }
      if (el(t.se, 2) !== st02) out.push(bad(`SE-02 "${el(t.se, 2)}" does not repeat ST-02 "${st02}".`, `${tat}.SE-02`));
      const count = t.body.length + 2;
      if (Number(el(t.se, 1)) !== count) out.push(bad(`SE-01 says ${el(t.se, 1)} segments; transaction set ${st02} holds ${count} (ST and SE included).`, `${tat}.SE-01`));
    }
  });
  return out;
}
