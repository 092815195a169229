/**
 * X12 transaction maps (mappings/x12/*.json): the implementation guide's loops, segments and
 * elements as data, each element either a constant (`v`) or a path into the transaction's model
 * (`p`). One map is read both ways: the engine writes a model into segments (837P, 270) and reads
 * segments back into a model (999, 277CA, 835, 271, and our own 837P for the round trip), checking
 * requirement, type, length and code list of every element on the way.
 * Maps are checked against this shape when loaded; a broken map stops the start.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MAPPINGS_DIR } from '../paths.js';

/** X12 element types: AN string, ID code, DT date, TM time, R decimal, N0 integer. */
export type ElementType = 'AN' | 'ID' | 'DT' | 'TM' | 'R' | 'N0';

export interface ElementSpec {
  /** Constant value written and expected. */
  v?: string;
  /** Path into the model (dotted; numeric parts index arrays; `$hl.id`, `$hl.parent`, `$hl.child` for HL). */
  p?: string;
  /** Required (R) when true; situational otherwise. */
  req?: boolean;
  type?: ElementType;
  min?: number;
  max?: number;
  /** Allowed codes (an ID element's code list, from the guide). */
  codes?: string[];
  /** A composite: its components. */
  c?: ElementSpec[];
}

export interface SegmentSpec {
  id: string;
  req?: boolean;
  /** Most repeats in the loop (default 1). */
  max?: number;
  /** Written only when this model path is truthy. */
  when?: string;
  /** Repeated once per item of this model array; read back into it. */
  each?: string;
  elements: ElementSpec[];
  /** Element positions (1-based) whose constant or codes identify this segment among same-id ones (default: 1 when it has `v`/codes). */
  key?: number[];
  /** Accept elements past the ones mapped (a segment we read only in part: TS3, MIA, MOA). */
  open?: boolean;
  /** Elements repeated from a model array (HI's up to 12 diagnosis composites). */
  repeat?: { from: string; max: number; element: ElementSpec };
}

export interface LoopSpec {
  id: string;
  req?: boolean;
  max?: number;
  when?: string;
  each?: string;
  /** Name a loop defined once under `defs` (2300 sits under 2000B or 2000C). */
  ref?: string;
  /** HL loop: HL-03 level code; HL-01/02/04 are numbered by the engine. */
  hl?: string;
  segments?: SegmentSpec[];
  loops?: LoopSpec[];
}

export interface TransactionMap {
  /** ST-01, e.g. 837. */
  setId: string;
  /** GS-08 / ST-03, e.g. 005010X222A1. */
  version: string;
  /** GS-01, e.g. HC. */
  functionalId: string;
  loops: LoopSpec[];
  defs?: Record<string, LoopSpec>;
}

const cache = new Map<string, TransactionMap>();

function problems(m: TransactionMap): string[] {
  const out: string[] = [];
  const el = (e: ElementSpec, at: string): void => {
    if (e.v === undefined && e.p === undefined && e.c === undefined && !e.codes) out.push(`${at}: element needs v, p, c or codes`);
    e.c?.forEach((x, i) => el(x, `${at}-${i + 1}`));
  };
  const loop = (l: LoopSpec, at: string): void => {
    if (l.ref) {
      if (!m.defs?.[l.ref]) out.push(`${at}: ref ${l.ref} is not under defs`);
      return;
    }
    if (!/^[0-9A-Z]+$/.test(l.id)) out.push(`${at}: bad loop id "${l.id}"`);
    (l.segments ?? []).forEach((s, i) => {
      if (!/^[A-Z][A-Z0-9]{1,2}$/.test(s.id)) out.push(`${at}.segments[${i}]: bad segment id "${s.id}"`);
      s.elements.forEach((e, j) => el(e, `${at}.${s.id}-${j + 1}`));
      if (s.repeat) el(s.repeat.element, `${at}.${s.id} repeat`);
    });
    (l.loops ?? []).forEach((c) => loop(c, `${at}/${c.id}`));
  };
  if (!/^\d{3}$/.test(m.setId)) out.push('setId must be three digits');
  if (!/^00501\d/.test(m.version)) out.push('version must be a 5010 implementation (00501...)');
  m.loops.forEach((l) => loop(l, l.id));
  for (const [k, d] of Object.entries(m.defs ?? {})) loop(d, `defs.${k}`);
  return out;
}

/** Load and check mappings/x12/<name>.json. Throws on a broken map (a start-up fault, not input). */
export function loadX12Map(name: string): TransactionMap {
  const hit = cache.get(name);
  if (hit) return hit;
  const file = resolve(MAPPINGS_DIR, 'x12', `${name}.json`);
  const m = JSON.parse(readFileSync(file, 'utf8')) as TransactionMap;
  const bad = problems(m);
  if (bad.length) throw new Error(`X12 map ${file} is broken:\n  ${bad.join('\n  ')}`);
  cache.set(name, m);
  return m;
}

/** The loop a spec stands for (resolving `ref`). */
export function loopOf(m: TransactionMap, l: LoopSpec): LoopSpec {
  if (!l.ref) return l;
  const d = m.defs![l.ref]!;
  return { ...d, ...l, ref: undefined, id: d.id, segments: d.segments ?? [], loops: d.loops ?? [] } as LoopSpec;
}
