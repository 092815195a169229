/**
 * X12 syntax: the delimiters an interchange declares in its ISA, and the segments it holds.
 *
 * The ISA is fixed length (106 characters, 16 elements of fixed width): character 4 is the
 * element separator, ISA-11 (character 83) the repetition separator (5010), ISA-16 (character
 * 105) the component separator and character 106 the segment terminator. Line breaks after a
 * terminator are tolerated (many files are wrapped for reading) and not part of the data.
 * Never throws: a fault is an X12_SYNTAX issue naming the ISA element or the segment position.
 */
import { issue, type Issue, type Result } from '../domain/issues.js';

export interface Delimiters {
  element: string;
  repetition: string;
  component: string;
  segment: string;
}

/** What we emit: the delimiters most clearinghouses expect (5010 defaults). */
export const DEFAULT_DELIMITERS: Delimiters = { element: '*', repetition: '^', component: ':', segment: '~' };

export interface X12Segment {
  /** Segment id (NM1, CLM, ...). */
  id: string;
  /** elements[0] is X12 element 01; a composite keeps its components joined by the component separator. */
  elements: string[];
  /** 1-based position of the segment in the interchange. */
  position: number;
}

export interface X12Text {
  delimiters: Delimiters;
  segments: X12Segment[];
}

export const ISA_LENGTH = 106;
/** Widths of ISA-01..ISA-16 (fixed-length elements). */
const ISA_WIDTHS = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1];

const syntax = (msg: string, where: string): Issue => issue('X12_SYNTAX', msg, where);

/** Read the delimiters from the ISA; the text must start with it (after optional whitespace/BOM). */
export function readDelimiters(text: string): Result<Delimiters> {
  if (!text.startsWith('ISA')) return { value: undefined, issues: [syntax('An X12 interchange starts with an ISA segment; this text does not.', 'ISA')] };
  if (text.length < ISA_LENGTH) {
    return { value: undefined, issues: [syntax(`The ISA is truncated: ${text.length} characters where an ISA has ${ISA_LENGTH}.`, 'ISA')] };
  }
  const element = text[3]!;
  const isa = text.slice(0, ISA_LENGTH);
  const parts = isa.slice(0, ISA_LENGTH - 1).split(element);
  if (parts.length !== 17) {
    return {
      value: undefined,
      issues: [syntax(`The ISA holds ${parts.length - 1} elements separated by "${element}" where it must hold 16 of fixed width; the element separator (character 4) or the ISA length is wrong.`, 'ISA')],
    };
  }
  const issues: Issue[] = [];
  ISA_WIDTHS.forEach((w, i) => {
    const got = parts[i + 1]!.length;
    if (got !== w) issues.push(syntax(`ISA-${String(i + 1).padStart(2, '0')} is ${got} characters wide; the ISA's elements have fixed widths and this one has ${w}.`, `ISA-${String(i + 1).padStart(2, '0')}`));
  });
  if (issues.length) return { value: undefined, issues };
  const d: Delimiters = { element, repetition: parts[11]!, component: parts[16]!, segment: isa[ISA_LENGTH - 1]! };
  const used = [d.element, d.repetition, d.component, d.segment];
  if (new Set(used).size !== 4) {
    return { value: undefined, issues: [syntax(`The delimiters must differ: element "${d.element}", repetition (ISA-11) "${d.repetition}", component (ISA-16) "${d.component}", segment "${d.segment}".`, 'ISA-16')] };
  }
  for (const [name, ch] of Object.entries(d)) {
    if (/[A-Za-z0-9 ]/.test(ch)) return { value: undefined, issues: [syntax(`The ${name} delimiter "${ch}" is a letter, digit or space; it would be read as data.`, name === 'repetition' ? 'ISA-11' : name === 'component' ? 'ISA-16' : 'ISA')] };
  }
  return { value: d, issues: [] };
}

/** Split an interchange into segments. Issues: delimiters, an unterminated last segment, bad segment ids. */
export function readX12Text(raw: string): Result<X12Text> {
  const text = raw.replace(/^\uFEFF/, '').replace(/^\s+/, '');
  const d = readDelimiters(text);
  if (!d.value) return { value: undefined, issues: d.issues };
  const delimiters = d.value;
  const issues: Issue[] = [];
  const pieces = text.split(delimiters.segment);
  const last = pieces.pop()!;
  if (last.trim() !== '') issues.push(syntax(`The text ends without a segment terminator "${delimiters.segment}" after "${last.trim().slice(0, 20)}": the interchange is truncated.`, `segment ${pieces.length + 1}`));
  const segments: X12Segment[] = [];
  for (const piece of pieces) {
    const s = piece.replace(/^[\r\n]+/, '');
    if (s === '') continue;
    const [id, ...elements] = s.split(delimiters.element);
    const position = segments.length + 1;
    if (!/^[A-Z][A-Z0-9]{1,2}$/.test(id ?? '')) {
      issues.push(syntax(`Segment ${position} has no valid segment id ("${(id ?? '').slice(0, 10)}"); the element separator is "${delimiters.element}".`, `segment ${position}`));
      continue;
    }
    segments.push({ id: id!, elements, position });
  }
  return { value: { delimiters, segments }, issues };
}

/** Element n (1-based) of a segment, '' when absent. */
export const el = (s: X12Segment | undefined, n: number): string => s?.elements[n - 1] ?? '';

/** Component k (1-based) of element n. */
export const comp = (s: X12Segment | undefined, n: number, k: number, d: Delimiters): string => el(s, n).split(d.component)[k - 1] ?? '';
