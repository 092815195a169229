/**
 * HL7v2 benchmark items: parse, parse + read (what a mapping reads), serialize, for Frontdesk and
 * each peer parser, on the synthetic ADT^A04, SIU^S12, ORU^R01 (25 OBX), ORU^R01 (500 OBX) and
 * ORU^R01 with a 5 MB base64 PDF; and validateMessage on the same messages.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { measure, tryMeasure, keep, type Rate } from './harness.js';
import { loadParser, READS, parseAndRead } from './hl7-parsers.js';
import { oruR01 } from './messages.js';
import { parseHl7 } from '../src/hl7/message.js';
import { validateMessage } from '../src/hl7/validate.js';

export interface Hl7Input { id: string; label: string; reads: keyof typeof READS; text: () => string }

const example = (f: string) => () => readFileSync(path.resolve('examples/hl7v2', f), 'utf8');

export const HL7_INPUTS: Hl7Input[] = [
  { id: 'adt', label: 'ADT^A04', reads: 'adt', text: example('adt-a04.hl7') },
  { id: 'siu', label: 'SIU^S12', reads: 'siu', text: example('siu-s12.hl7') },
  { id: 'oru25', label: 'ORU^R01 25 OBX', reads: 'oru', text: example('oru-r01.hl7') },
  { id: 'oru500', label: 'ORU^R01 500 OBX', reads: 'oru', text: () => oruR01(500) },
  { id: 'orupdf', label: 'ORU^R01 5 MB PDF', reads: 'oru', text: () => oruR01(5, 3_750_000) },
];

/**
 * Child processes group the small messages (one child per parser for ADT, SIU and the 25-OBX
 * ORU) and keep the two heavy ones alone, so their peak RSS is their own and a run stays short.
 */
export const HL7_GROUPS: Record<string, string[]> = { small: ['adt', 'siu', 'oru25'], oru500: ['oru500'], orupdf: ['orupdf'] };

export function groupOf(inputId: string): string {
  return Object.entries(HL7_GROUPS).find(([, ids]) => ids.includes(inputId))![0];
}

/**
 * Run fn for each input of a group, in order; a record keyed by input id. A member that fails
 * (or whose code has not landed) records `{ error }` and the others still run.
 */
export async function forGroup<T>(group: string, fn: (inputId: string) => T | Promise<T>): Promise<Record<string, T | { error: string }>> {
  const out: Record<string, T | { error: string }> = {};
  for (const id of HL7_GROUPS[group]!) {
    try {
      out[id] = await fn(id);
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0];
      out[id] = { error: (e as Error).name === 'NotMeasured' || e?.constructor?.name === 'NotMeasured' ? `not measured (${msg})` : `failed (${msg})` };
    }
  }
  return out;
}

export function inputById(id: string): Hl7Input {
  const i = HL7_INPUTS.find((x) => x.id === id);
  if (!i) throw new Error(`unknown HL7 input ${id}`);
  return i;
}

export type Figure = number | string;
export interface ParserFigures { parse: Figure; parseRead: Figure; serialize: Figure; bytes: number }

const rate = (r: Rate | string): Figure => (typeof r === 'string' ? r : r.perSecond);

/** One parser on one message (run in its own child process so its peak RSS is its own). */
export async function runParser(inputId: string, parserName: string): Promise<ParserFigures> {
  const input = inputById(inputId);
  const text = input.text();
  const p = await loadParser(parserName);
  const big = text.length > 1_000_000;
  const opts = big ? { warmupMs: 100, sampleMs: 400, samples: 2 } : {};
  const parse = rate(tryMeasure(() => p.parse(text), opts));
  const parseRead = rate(tryMeasure(() => parseAndRead(p, text, READS[input.reads]!), opts));
  let serialize: Figure;
  try {
    const m = p.parse(text);
    serialize = rate(tryMeasure(() => p.serialize(m), opts));
  } catch (e) {
    serialize = `failed (${(e as Error).message?.slice(0, 60)})`;
  }
  return { parse, parseRead, serialize, bytes: Buffer.byteLength(text) };
}

export interface ValidateFigures { validate: Figure; parseValidate: Figure; issues: number }

export function runValidate(inputId: string): ValidateFigures {
  const text = inputById(inputId).text();
  const msg = parseHl7(text).value!;
  const issues = validateMessage(msg).length;
  const big = text.length > 1_000_000;
  const opts = big ? { warmupMs: 100, sampleMs: 400, samples: 2 } : {};
  const validate = measure(() => validateMessage(msg), opts).perSecond;
  const parseValidate = measure(() => validateMessage(parseHl7(text).value!), opts).perSecond;
  keep(msg);
  return { validate, parseValidate, issues };
}
