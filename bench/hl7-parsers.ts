/**
 * One adapter per HL7v2 parser in the benchmark, each using the library's own API: parse text,
 * list segments by name, read one leaf (field, component, repetition; 1-based), serialize.
 * Frontdesk first; peers: `hl7v2` (used directly), `@medplum/core` Hl7Message, `simple-hl7`.
 */
import type { HL7Message } from 'hl7v2';
import type { Hl7Message as MedplumHl7Message } from '@medplum/core';
import { createRequire } from 'node:module';
import { parseHl7, type Hl7Message, type Hl7Segment } from '../src/hl7/message.js';

const require = createRequire(import.meta.url);

export interface ParserAdapter<M = unknown, S = unknown> {
  name: string;
  parse(text: string): M;
  segments(m: M, name: string): S[];
  /** One leaf value as the library returns it (unescaped when the library unescapes). */
  get(s: S, segName: string, field: number, component?: number, repetition?: number): string;
  serialize(m: M): string;
  segmentNames(m: M): string[];
}

export const frontdesk: ParserAdapter<Hl7Message, Hl7Segment> = {
  name: 'Frontdesk',
  parse: (text) => {
    const r = parseHl7(text);
    if (!r.value) throw new Error(r.issues[0]?.diagnostics ?? 'not parsed');
    return r.value;
  },
  segments: (m, name) => m.all(name),
  get: (s, _n, f, c = 1, r = 1) => s.get(f, c, 1, r),
  serialize: (m) => m.toString(),
  segmentNames: (m) => m.segments.map((s) => s.name),
};

type V2Seg = ReturnType<HL7Message['addSegment']>;
const hl7v2 = (lib: typeof import('hl7v2')): ParserAdapter<HL7Message, V2Seg> => ({
  name: 'hl7v2',
  parse: (text) => lib.HL7Message.parse(text),
  segments: (m, name) => m.segments.filter((s) => s.segmentType === name),
  get: (s, _n, f, c = 1, r = 1) => {
    const field = s.field(f);
    if (r > field.repetitions.length) return '';
    const v = field.rep(r - 1).getValue(c);
    return v === undefined || v === null ? '' : v instanceof Date ? field.toHL7String() : String(v);
  },
  serialize: (m) => m.toHL7String(),
  segmentNames: (m) => m.segments.map((s) => s.segmentType),
});

type MedSeg = NonNullable<ReturnType<MedplumHl7Message['getSegment']>>;
const medplum = (lib: typeof import('@medplum/core')): ParserAdapter<MedplumHl7Message, MedSeg> => ({
  name: '@medplum/core',
  parse: (text) => lib.Hl7Message.parse(text),
  segments: (m, name) => m.getAllSegments(name),
  get: (s, _n, f, c = 1, r = 1) => s.getComponent(f, c, undefined, r - 1) ?? '',
  serialize: (m) => m.toString(),
  segmentNames: (m) => m.segments.map((s) => s.name),
});

/* simple-hl7 object model: message.header (MSH, fields from MSH-3), message.segments[];
 * field.value = [components[]] or, when repeated, [field, field, ...]; component.value = [string] or [[subcomponents]]. */
interface SField { value: unknown[] }
interface SComp { value: (string | string[])[] }
interface SSeg { name?: string; fields: SField[] }
interface SMsg { header: SSeg; segments: SSeg[]; toString(): string }

function simpleLeaf(field: SField | undefined, c: number, r: number): string {
  if (!field) return '';
  const first = field.value[0];
  let comps: SComp[] | undefined;
  if (Array.isArray(first)) comps = r === 1 ? (first as SComp[]) : undefined;
  else comps = ((field.value[r - 1] as SField | undefined)?.value[0] as SComp[] | undefined);
  const comp = comps?.[c - 1];
  if (!comp) return '';
  const v = comp.value[0];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const simple = (lib: any): ParserAdapter<SMsg, SSeg> => ({
  name: 'simple-hl7',
  parse: (text) => new lib.Parser({ segmentSeperator: '\r' }).parse(text) as SMsg,
  segments: (m, name) => (name === 'MSH' ? [m.header] : m.segments.filter((s) => s.name === name)),
  // Header fields start at MSH-3.
  get: (s, n, f, c = 1, r = 1) => simpleLeaf(n === 'MSH' ? s.fields[f - 3] : s.fields[f - 1], c, r),
  serialize: (m) => m.toString(),
  segmentNames: (m) => ['MSH', ...m.segments.map((s) => s.name ?? '')],
});

/** Parser names, Frontdesk first. Libraries load on demand, so a child process holds only its own (peak RSS per parser). */
export const PARSER_NAMES = ['Frontdesk', 'hl7v2', '@medplum/core', 'simple-hl7'] as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function loadParser(name: string): Promise<ParserAdapter<any, any>> {
  switch (name) {
    case 'Frontdesk': return frontdesk;
    case 'hl7v2': return hl7v2(await import('hl7v2'));
    case '@medplum/core': return medplum(await import('@medplum/core'));
    // simple-hl7 is CommonJS without types.
    case 'simple-hl7': return simple(require('simple-hl7'));
    default: throw new Error(`unknown parser ${name}`);
  }
}

/** A mapping's typical reads: (segment, field, component), on every occurrence and repetition 1. */
export type ReadPlan = [string, number, number][];

export const READS: Record<string, ReadPlan> = {
  adt: [['MSH', 9, 1], ['MSH', 9, 2], ['MSH', 10, 1], ['PID', 3, 1], ['PID', 3, 4], ['PID', 3, 5], ['PID', 5, 1], ['PID', 5, 2], ['PID', 5, 3],
    ['PID', 7, 1], ['PID', 8, 1], ['PID', 11, 1], ['PID', 11, 3], ['PID', 11, 4], ['PID', 11, 5], ['PID', 13, 6], ['PID', 13, 7],
    ['PV1', 2, 1], ['PV1', 7, 1], ['IN1', 2, 1], ['IN1', 3, 1], ['IN1', 8, 1], ['IN1', 12, 1], ['IN1', 36, 1]],
  siu: [['MSH', 9, 1], ['MSH', 9, 2], ['SCH', 1, 1], ['SCH', 2, 1], ['SCH', 11, 4], ['SCH', 11, 5], ['SCH', 25, 1], ['PID', 3, 1], ['PID', 5, 1],
    ['AIS', 3, 1], ['AIL', 3, 1], ['AIP', 3, 1], ['AIP', 3, 2]],
  oru: [['MSH', 9, 1], ['PID', 3, 1], ['OBR', 4, 1], ['OBR', 22, 1], ['OBX', 2, 1], ['OBX', 3, 1], ['OBX', 3, 2], ['OBX', 5, 1], ['OBX', 6, 1],
    ['OBX', 7, 1], ['OBX', 8, 1], ['OBX', 11, 1], ['OBX', 14, 1]],
};

/** Parse and read what a mapping reads; returns the total length read (so nothing is optimized away). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function parseAndRead(p: ParserAdapter<any, any>, text: string, plan: ReadPlan): number {
  const m = p.parse(text);
  let n = 0;
  for (const [seg, f, c] of plan) for (const s of p.segments(m, seg)) n += p.get(s, seg, f, c, 1).length;
  return n;
}
