/**
 * The X12 map engine (pure): model -> segments (`writeTransaction`) and segments -> model with
 * guide validation (`readTransaction`). Locations name loop, segment and element the way billing
 * staff read an 837 rejection: `2400[2].SV1-02` (the second service line's charge), with a
 * repeating ancestor loop named only when it is not the first (`2000B[2].2300.CLM-02`).
 */
import { issue, type Issue, type Result } from '../domain/issues.js';
import { loopOf, type ElementSpec, type LoopSpec, type SegmentSpec, type TransactionMap } from './map.js';
import type { Delimiters, X12Segment } from './syntax.js';
import type { ElementValue, OutSegment } from './writer.js';

type Model = Record<string, unknown>;

export function getPath(scope: unknown, path: string): unknown {
  let cur: unknown = scope;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function setPath(scope: Model, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: Record<string, unknown> = scope;
  parts.forEach((part, i) => {
    if (i === parts.length - 1) { cur[part] = value; return; }
    if (cur[part] === undefined || typeof cur[part] !== 'object') cur[part] = /^\d+$/.test(parts[i + 1]!) ? [] : {};
    cur = cur[part] as Record<string, unknown>;
  });
}

const truthy = (v: unknown): boolean => v !== undefined && v !== null && v !== '' && v !== false && !(Array.isArray(v) && v.length === 0);
const items = (scope: unknown, path: string): unknown[] => {
  const v = getPath(scope, path);
  return Array.isArray(v) ? v : [];
};
const two = (n: number): string => String(n).padStart(2, '0');

// ---------------------------------------------------------------- write

interface HlState { next: number; }

function elementValue(e: ElementSpec, scope: unknown, hl: Record<string, string>): ElementValue {
  if (e.c) return e.c.map((x) => elementValue(x, scope, hl) as string);
  if (e.v !== undefined) return e.v;
  if (e.p?.startsWith('$hl.')) return hl[e.p.slice(4)] ?? '';
  const v = e.p ? getPath(scope, e.p) : undefined;
  return v === undefined || v === null ? '' : String(v);
}

function hasHlChild(m: TransactionMap, l: LoopSpec, scope: unknown): boolean {
  return (l.loops ?? []).some((c0) => {
    const c = loopOf(m, c0);
    if (c.when && !truthy(getPath(scope, c.when))) return false;
    const instances = c.each ? items(scope, c.each) : [scope];
    if (c.hl) return instances.length > 0;
    return instances.some((s) => hasHlChild(m, c, s));
  });
}

function writeLoop(m: TransactionMap, l0: LoopSpec, scope: unknown, out: OutSegment[], hl: HlState, parentHl: string, where: string): void {
  const l = loopOf(m, l0);
  if (l.when && !truthy(getPath(scope, l.when))) return;
  const instances = l.each ? items(scope, l.each) : [scope];
  instances.forEach((s, n) => {
    const at = shorten(`${where}${l.id}${(l.max ?? 1) > 1 ? `[${n + 1}]` : ''}`);
    const hlv: Record<string, string> = {};
    let myHl = parentHl;
    if (l.hl) {
      myHl = String(hl.next++);
      Object.assign(hlv, { id: myHl, parent: parentHl, child: hasHlChild(m, l, s) ? '1' : '0' });
    }
    for (const seg of l.segments ?? []) {
      if (seg.when && !truthy(getPath(s, seg.when))) continue;
      const segScopes = seg.each ? items(s, seg.each) : [s];
      for (const ss of segScopes) {
        const elements = seg.elements.map((e) => elementValue(e, ss, hlv));
        if (seg.repeat) for (const r of items(ss, seg.repeat.from).slice(0, seg.repeat.max)) elements.push(elementValue(seg.repeat.element, r, hlv));
        out.push({ id: seg.id, elements, where: at });
      }
    }
    for (const c of l.loops ?? []) writeLoop(m, c, s, out, hl, myHl, `${at}.`);
  });
}

/** Model -> the transaction's body segments (between ST and SE). */
export function writeTransaction(m: TransactionMap, model: Model): OutSegment[] {
  const out: OutSegment[] = [];
  const hl: HlState = { next: 1 };
  for (const l of m.loops) writeLoop(m, l, model, out, hl, '', '');
  // Locations are for issues; the HEADER pseudo-loop is not a guide loop.
  return out.map((s) => ({ ...s, where: s.where?.replace(/^HEADER\.?/, '') || s.id }));
}

// ---------------------------------------------------------------- read + validate

interface Cursor { segs: X12Segment[]; pos: number; }

function keyOf(seg: SegmentSpec): number[] {
  if (seg.key) return seg.key;
  const first = seg.elements[0];
  return first && (first.v !== undefined || first.codes || first.c?.[0]?.v !== undefined) ? [1] : [];
}

function elementMatches(e: ElementSpec, value: string, d: Delimiters): boolean {
  if (e.c) return e.c[0]?.v === undefined || value.split(d.component)[0] === e.c[0].v;
  if (e.v !== undefined) return value === e.v;
  if (e.codes) return e.codes.includes(value);
  return true;
}

function matches(seg: SegmentSpec, s: X12Segment | undefined, d: Delimiters): boolean {
  if (!s || s.id !== seg.id) return false;
  return keyOf(seg).every((k) => elementMatches(seg.elements[k - 1]!, s.elements[k - 1] ?? '', d));
}

function firstSegment(m: TransactionMap, l0: LoopSpec): SegmentSpec | undefined {
  const l = loopOf(m, l0);
  const s = l.segments?.[0];
  if (!s) return undefined;
  if (l.hl) return { ...s, key: [3], elements: s.elements.map((e, i) => (i === 2 ? { v: l.hl! } : e)) };
  return s;
}

const NUMERIC = /^-?(\d+\.?\d*|\.\d+)$/;
const DATE8 = /^\d{8}$/;
const TIME = /^\d{4}(\d{2}(\d{1,2})?)?$/;

function checkElement(e: ElementSpec, value: string, where: string, d: Delimiters, issues: Issue[]): void {
  const bad = (msg: string) => issues.push(issue('X12_INVALID', msg, where));
  if (value === '') {
    if (e.req) bad(`${where} is required and empty.`);
    return;
  }
  if (e.c) {
    const parts = value.split(d.component);
    if (parts.length > e.c.length) bad(`${where} has ${parts.length} components; the guide defines ${e.c.length}.`);
    e.c.forEach((c, k) => checkElement(c, parts[k] ?? '', `${where}-${k + 1}`, d, issues));
    return;
  }
  if (e.v !== undefined && value !== e.v) { bad(`${where} is "${value}"; the guide requires "${e.v}" here.`); return; }
  if (e.codes && !e.codes.includes(value)) { bad(`${where} "${value}" is not one of the codes the guide allows (${e.codes.join(', ')}).`); return; }
  if (e.type === 'R' && !NUMERIC.test(value)) bad(`${where} "${value}" is not a decimal number.`);
  if (e.type === 'N0' && !/^-?\d+$/.test(value)) bad(`${where} "${value}" is not an integer.`);
  if (e.type === 'DT' && (!DATE8.test(value) || Number.isNaN(Date.parse(`${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`)))) bad(`${where} "${value}" is not a date (CCYYMMDD).`);
  if (e.type === 'TM' && !TIME.test(value)) bad(`${where} "${value}" is not a time (HHMM[SS]).`);
  // R and N0 lengths count digits only (sign and decimal point excluded).
  const len = e.type === 'R' || e.type === 'N0' ? value.replace(/[-.]/g, '').length : value.length;
  if (e.max !== undefined && len > e.max) bad(`${where} "${value}" is ${len} long; at most ${e.max}.`);
  if (e.min !== undefined && len < e.min) bad(`${where} "${value}" is ${len} long; at least ${e.min}.`);
}

function readValue(e: ElementSpec, value: string, scope: Model, d: Delimiters): void {
  if (e.c) { const parts = value.split(d.component); e.c.forEach((c, k) => readValue(c, parts[k] ?? '', scope, d)); return; }
  if (e.p && !e.p.startsWith('$') && value !== '') setPath(scope, e.p, value);
}

function readSegment(seg: SegmentSpec, s: X12Segment, scope: Model, where: string, d: Delimiters, issues: Issue[]): void {
  const defined = seg.elements.length + (seg.repeat?.max ?? 0);
  if (!seg.open && s.elements.length > defined) issues.push(issue('X12_INVALID', `${where} has ${s.elements.length} elements; the guide defines ${defined}.`, `${where}-${two(defined + 1)}`));
  seg.elements.forEach((e, i) => {
    const v = s.elements[i] ?? '';
    checkElement(e, v, `${where}-${two(i + 1)}`, d, issues);
    readValue(e, v, scope, d);
  });
  if (seg.repeat) {
    const list: Model[] = [];
    s.elements.slice(seg.elements.length).forEach((v, j) => {
      if (v === '') return;
      const item: Model = {};
      checkElement(seg.repeat!.element, v, `${where}-${two(seg.elements.length + j + 1)}`, d, issues);
      readValue(seg.repeat!.element, v, item, d);
      list.push(item);
    });
    setPath(scope, seg.repeat.from, list);
  }
}

/**
 * The position of the one spec with this segment id, when it is told apart by a code list (IK5-01,
 * REF-01 EI/SY) and the segment's code is outside that list: it is read there, so the issue names
 * the element and its codes (`IK5-01 "Q" is not one of ...`) instead of an unexpected segment and
 * everything after it. Never for a constant key (NM1*85) or an HL level: those may be a sibling's.
 */
function onlyByCode(specs: Array<SegmentSpec | undefined>, s: X12Segment): number | undefined {
  const same = specs.map((x, k) => (x?.id === s.id ? k : -1)).filter((k) => k >= 0);
  if (same.length !== 1) return undefined;
  const spec = specs[same[0]!]!;
  const keyed = keyOf(spec);
  return keyed.length > 0 && keyed.every((n) => spec.elements[n - 1]?.codes && spec.elements[n - 1]?.v === undefined) ? same[0] : undefined;
}

/** Read one instance of a loop starting at the cursor (its first segment already matched). */
function readLoop(m: TransactionMap, l: LoopSpec, scope: Model, cur: Cursor, where: string, d: Delimiters, issues: Issue[]): void {
  const segs = l.segments ?? [];
  const counts = segs.map(() => 0);
  let at = 0;
  // The loop's own segments, in guide order; a segment may repeat up to its max.
  while (cur.pos < cur.segs.length) {
    const s = cur.segs[cur.pos]!;
    let j = -1;
    for (let k = at; k < segs.length; k++) if (matches(segs[k]!, s, d)) { j = k; break; }
    if (j < 0) {
      const k = onlyByCode(segs, s);
      if (k !== undefined && k >= at && (k > 0 || counts[0] === 0)) j = k;
    }
    // The loop's first segment again starts a new instance (of this loop or a sibling): stop.
    if (j < 0 || (j === 0 && counts[0]! > 0)) break;
    const spec = segs[j]!;
    counts[j]!++;
    const n = counts[j]!;
    const segWhere = `${where}.${spec.id}${n > 1 ? `[${n}]` : ''}`;
    if (n > (spec.max ?? 1)) issues.push(issue('X12_INVALID', `${segWhere}: ${spec.id} repeats ${n} times in loop ${l.id}; at most ${spec.max ?? 1}.`, segWhere));
    let target = scope;
    if (spec.each) {
      const list = (getPath(scope, spec.each) as Model[] | undefined) ?? [];
      target = {};
      list.push(target);
      setPath(scope, spec.each, list);
    }
    readSegment(spec, s, target, segWhere, d, issues);
    cur.pos++;
    at = j;
  }
  segs.forEach((spec, j) => {
    if (spec.req && counts[j] === 0) issues.push(issue('X12_INVALID', `Loop ${l.id} has no ${spec.id}${keyOf(spec).length ? `*${spec.elements[0]?.v ?? spec.elements[0]?.c?.[0]?.v ?? ''}` : ''} segment; the guide requires it.`, `${where}.${spec.id}`));
  });
  readChildren(m, l.loops ?? [], scope, cur, where, d, issues);
}

function readChildren(m: TransactionMap, children: LoopSpec[], scope: Model, cur: Cursor, where: string, d: Delimiters, issues: Issue[]): void {
  const seen = new Map<string, number>();
  const resolved = children.map((c) => loopOf(m, c));
  while (cur.pos < cur.segs.length) {
    const s = cur.segs[cur.pos]!;
    let k = children.findIndex((c) => matches(firstSegment(m, c)!, s, d));
    if (k < 0) {
      // A child loop (not an HL level) that starts with the only segment of this id, its code outside the list.
      const firsts = resolved.map((c) => (c.hl ? undefined : c.segments?.[0]));
      const hit = onlyByCode(firsts, s);
      if (hit !== undefined) k = hit;
    }
    if (k < 0) break;
    const c = resolved[k]!;
    const n = (seen.get(c.id) ?? 0) + 1;
    seen.set(c.id, n);
    const base = where.replace(/^HEADER\.?/, '');
    const loopWhere = `${base ? `${base}.` : ''}${c.id}${n > 1 || (c.max ?? 1) > 1 ? `[${n}]` : ''}`;
    if (n > (c.max ?? 1)) issues.push(issue('X12_INVALID', `Loop ${c.id} repeats ${n} times; at most ${c.max ?? 1}.`, loopWhere));
    let target = scope;
    if (c.each) {
      const list = (getPath(scope, c.each) as Model[] | undefined) ?? [];
      target = {};
      list.push(target);
      setPath(scope, c.each, list);
    }
    readLoop(m, c, target, cur, shorten(loopWhere), d, issues);
  }
  resolved.forEach((c) => {
    if (c.req && !seen.has(c.id)) issues.push(issue('X12_INVALID', `Loop ${c.id} is missing; the guide requires it.`, `${where.replace(/^HEADER\.?/, '') ? `${where.replace(/^HEADER\.?/, '')}.` : ''}${c.id}`));
  });
}

/**
 * Locations keep the innermost loop and the repeating ancestors that are not the first
 * (`2000B[2].2300.2400[2]`), so the first claim's second line reads `2400[2]`.
 */
function shorten(where: string): string {
  const parts = where.split('.');
  const last = parts.pop()!;
  const kept = parts.filter((p) => /\[(\d+)\]$/.test(p) && !/\[1\]$/.test(p));
  return [...kept, last].join('.');
}

/** Segments of one transaction body (between ST and SE) -> model, with every guide issue. */
export function readTransaction(m: TransactionMap, body: X12Segment[], d: Delimiters, prefix = ''): Result<Model> {
  const issues: Issue[] = [];
  const model: Model = {};
  const cur: Cursor = { segs: body, pos: 0 };
  // The top-level loops are read like children of the transaction.
  readChildren(m, m.loops, model, cur, 'HEADER', d, issues);
  while (cur.pos < body.length) {
    const s = body[cur.pos]!;
    issues.push(issue('X12_INVALID', `Segment ${s.id} (segment ${s.position} of the interchange) is not expected here by the ${m.version} guide.`, `segment ${s.position}`));
    cur.pos++;
    // Resume: a later segment may start a known loop again.
    readChildren(m, m.loops, model, cur, 'HEADER', d, issues);
  }
  const out = prefix ? issues.map((i) => ({ ...i, expression: i.expression?.map((x) => `${prefix}.${x}`) })) : issues;
  return { value: model, issues: out };
}
