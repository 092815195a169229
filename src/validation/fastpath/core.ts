/**
 * Shared pieces of the fast FHIRPath evaluator: the value representation (a collection of
 * { v, t } items), the bail-out that hands an expression to fhirpath.js, and the R4 model data
 * fhirpath.js ships (path2Type, choiceTypePaths, pathsDefinedElsewhere, type2Parent), read in
 * shards from a cache (model-data.ts).
 */
export { modelData, rootOf } from './model-data.js';

export interface Item {
  v: unknown;
  t: string;
}
export type Coll = Item[];
export interface Ctx {
  env: Record<string, unknown>;
  self: Coll; // $this
  root: Coll; // %context
}
export type Fn = (focus: Coll, ctx: Ctx) => Coll;

/** Thrown when the fast evaluator cannot decide: fhirpath.js takes over. */
export class Bail extends Error {}

/**
 * Thrown where fhirpath.js itself throws a type error: comparing a date/dateTime/instant with a
 * value of that type that is malformed (fhirpath.js reads it as a String). The data error is
 * already reported by the walker; this saves running fhirpath.js just to watch it throw.
 */
export class FhirpathTypeError {
  // Not an Error subclass on purpose: no stack trace to capture on what is a data problem.
  constructor(readonly message: string) {}
}

/** Type key of a date/dateTime/instant value that does not parse as one. */
export const MALFORMED_DATE = 'malformed-date';
export const BAIL = new Bail('bail');
export function bail(): never {
  throw BAIL;
}
