/**
 * A datatype transform converts one repetition of an HL7v2 field (components x subcomponents,
 * already unescaped) to a FHIR value, and back. Transforms are named; mapping files refer to
 * them by name (`"type": "XPN"`), so code appears only as these named transforms.
 */
import type { Result } from '../../domain/issues.js';
import type { RepetitionValue } from '../../hl7/message.js';

export interface TransformContext {
  /** HL7 location of the field, for issues (e.g. 'PID.7'). */
  where: string;
  /** Practice timezone for times without offset. */
  timezone: string;
  /** Code table id (mappings/tables) for coded types, when the rule names one. */
  table?: string;
  /** Extra rule parameters (e.g. a default use). */
  params?: Record<string, string>;
}

/** One repetition: rep[c - 1][s - 1] is component c, subcomponent s. */
export type Rep = string[][];

export interface DatatypeTransform {
  /** To FHIR; value undefined (and no issue) when the repetition carries nothing mappable. */
  toFhir(rep: Rep, ctx: TransformContext): Result<unknown>;
  /** From FHIR to one repetition; undefined when the value cannot be expressed. */
  fromFhir(value: unknown, ctx: TransformContext): RepetitionValue | undefined;
}

/** Component c (1-based), subcomponent s, or ''. */
export function comp(rep: Rep, c: number, s = 1): string {
  return rep[c - 1]?.[s - 1] ?? '';
}

/** Remove undefined, empty-string and empty-array/object members (FHIR forbids empty elements). */
export function compact<T extends object>(o: T): T | undefined {
  // Runs for every mapped value: one pass, no entry arrays.
  const out: Record<string, unknown> = {};
  let kept = 0;
  for (const k of Object.keys(o)) {
    const v = (o as Record<string, unknown>)[k];
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) {
      const a = v.filter((x) => x !== undefined && x !== null && x !== '');
      if (a.length) { out[k] = a; kept++; }
      continue;
    }
    if (typeof v === 'object' && Object.keys(v).length === 0) continue;
    out[k] = v;
    kept++;
  }
  return kept ? (out as T) : undefined;
}
