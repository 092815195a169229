/**
 * The fixed set of HL7v2 correctness checks every parser in the benchmark is scored on. Each
 * check parses a small synthetic message, reads values through the library's API and
 * serializes it back: escapes, repetitions, timezone offsets, `\n` segment ends, custom
 * delimiters (with a truncation character), Z-segments.
 */
import type { ParserAdapter } from './hl7-parsers.js';

const BASE = [
  'MSH|^~\\&|REG|CLINIC|EHR|HOSP|20240301083000-0500||ADT^A04^ADT_A01|MSG0001|P|2.5.1',
  'EVN|A04|20240301083000-0500',
  'PID|1||MRN001^^^CLINIC^MR~999-00-1234^^^SSA^SS||Testpatient^Alex^Q~Testpatient^Alexandra||19800215|F',
  'NTE|1||Dose 5\\S\\10 mg \\T\\ water\\F\\juice \\R\\ per \\E\\protocol\\E\\',
  'ZPI|1|custom^data',
];
const TEXT = BASE.join('\r') + '\r';

export interface Check {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  run(p: ParserAdapter<any, any>): boolean;
}

function same(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/[\r\n]+$/, '').split(/\r\n|\r|\n/).join('\r');
  return norm(a) === norm(b);
}

/** The serialized line of one segment equals the input's (isolates a check from other defects). */
function sameLine(out: string, input: string, seg: string): boolean {
  const line = (t: string) => t.split(/\r\n|\r|\n/).find((l) => l.startsWith(seg));
  return line(out) !== undefined && line(out) === line(input);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function leaf(p: ParserAdapter<any, any>, m: unknown, seg: string, f: number, c = 1, r = 1, k = 1): string {
  const s = p.segments(m, seg)[k - 1];
  return s === undefined ? '<missing>' : p.get(s, seg, f, c, r);
}

export const CHECKS: Check[] = [
  {
    name: 'escapes',
    run: (p) => {
      const m = p.parse(TEXT);
      return leaf(p, m, 'NTE', 3) === 'Dose 5^10 mg & water|juice ~ per \\protocol\\' && sameLine(p.serialize(m), TEXT, 'NTE');
    },
  },
  {
    name: 'repetitions',
    run: (p) => {
      const m = p.parse(TEXT);
      return leaf(p, m, 'PID', 3, 5, 2) === 'SS' && leaf(p, m, 'PID', 5, 2, 2) === 'Alexandra' && leaf(p, m, 'PID', 3, 1, 1) === 'MRN001';
    },
  },
  {
    name: 'timezone offsets',
    run: (p) => {
      const m = p.parse(TEXT);
      return leaf(p, m, 'MSH', 7) === '20240301083000-0500' && leaf(p, m, 'EVN', 2) === '20240301083000-0500'
        && sameLine(p.serialize(m), TEXT, 'MSH') && sameLine(p.serialize(m), TEXT, 'EVN');
    },
  },
  {
    name: '\\n segment ends',
    run: (p) => {
      const text = BASE.join('\n') + '\n';
      const m = p.parse(text);
      return p.segmentNames(m).join(',') === 'MSH,EVN,PID,NTE,ZPI' && leaf(p, m, 'PID', 5, 2) === 'Alex';
    },
  },
  {
    name: 'custom delimiters',
    run: (p) => {
      // MSH-1 '#', MSH-2 '$*!%' plus the v2.7 truncation character '@'.
      const text = TEXT.replace('MSH|^~\\&|', 'MSH#$*!%@#').replace(/\|/g, '#').replace(/\^/g, '$').replace(/~/g, '*')
        .replace(/\\([FSTRE])\\/g, '!$1!').replace(/&/g, '%');
      const m = p.parse(text);
      return leaf(p, m, 'PID', 5, 2) === 'Alex' && leaf(p, m, 'PID', 3, 5, 2) === 'SS' && same(p.serialize(m), text);
    },
  },
  {
    name: 'Z-segments',
    run: (p) => {
      const m = p.parse(TEXT);
      return leaf(p, m, 'ZPI', 2, 2) === 'data' && p.segmentNames(m).includes('ZPI') && sameLine(p.serialize(m), TEXT, 'ZPI');
    },
  },
];

/** Names of the checks a parser passes (a check that throws fails). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function runChecks(p: ParserAdapter<any, any>): { passed: string[]; failed: string[] } {
  const passed: string[] = [];
  const failed: string[] = [];
  for (const c of CHECKS) {
    let ok = false;
    try {
      ok = c.run(p);
    } catch {
      ok = false;
    }
    (ok ? passed : failed).push(c.name);
  }
  return { passed, failed };
}
