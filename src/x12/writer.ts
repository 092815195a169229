/**
 * X12 writer: segments as objects (id + element values, composites as component arrays), never
 * as string templates. A value holding a delimiter cannot be escaped in X12: it is an
 * X12_INVALID issue naming the segment and element, not a silently altered claim. Trailing empty
 * elements and components are dropped, as the standard requires.
 */
import { issue, type Issue, type Result } from '../domain/issues.js';
import { DEFAULT_DELIMITERS, type Delimiters } from './syntax.js';

/** One element: a simple value, or a composite's components. */
export type ElementValue = string | string[];

export interface OutSegment {
  id: string;
  elements: ElementValue[];
  /** Where the segment sits, for issues (`2400[2].SV1`). */
  where?: string;
}

function trimEnd<T>(a: T[], empty: (x: T) => boolean): T[] {
  let n = a.length;
  while (n > 0 && empty(a[n - 1]!)) n--;
  return a.slice(0, n);
}

/** One segment's text (without terminator); issues name `where.ID-nn`. */
export function writeSegment(s: OutSegment, d: Delimiters = DEFAULT_DELIMITERS): Result<string> {
  const issues: Issue[] = [];
  const reserved = [d.element, d.repetition, d.component, d.segment];
  const at = (n: number, k?: number) => `${s.where ? `${s.where}.` : ''}${s.id}-${String(n).padStart(2, '0')}${k ? `-${k}` : ''}`;
  const clean = (v: string, n: number, k?: number): string => {
    // ISA-11 and ISA-16 are the repetition and component separators themselves.
    if (s.id === 'ISA' && (n === 11 || n === 16)) return v;
    const bad = reserved.find((r) => v.includes(r));
    if (bad) issues.push(issue('X12_INVALID', `The value "${v}" holds the delimiter "${bad}", which X12 cannot escape.`, at(n, k)));
    return v;
  };
  const parts = trimEnd(s.elements.map((e, i) => {
    if (Array.isArray(e)) return trimEnd(e.map((c, k) => clean(c, i + 1, k + 1)), (c) => c === '').join(d.component);
    return clean(e, i + 1);
  }), (e) => e === '');
  return { value: [s.id, ...parts].join(d.element), issues };
}

/** Segments -> text, one segment per line after its terminator (readable; readers ignore the line break). */
export function writeSegments(segments: OutSegment[], d: Delimiters = DEFAULT_DELIMITERS): Result<string> {
  const issues: Issue[] = [];
  const lines = segments.map((s) => {
    const r = writeSegment(s, d);
    issues.push(...r.issues);
    return r.value!;
  });
  return { value: lines.map((l) => `${l}${d.segment}\n`).join(''), issues };
}
