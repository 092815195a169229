/**
 * Value semantics of FHIRPath over JSON items: truthiness, singletons, equality (dates of the
 * same precision), ordering and the type tests (is/as/ofType).
 */
import { type Coll, FhirpathTypeError, type Item, MALFORMED_DATE, bail, modelData } from './core.js';
import { dtShape } from './dates.js';
import { DATE_TYPES, PRIMITIVES } from './model.js';

export const TRUE: Coll = [{ v: true, t: 'System.Boolean' }];
export const FALSE: Coll = [{ v: false, t: 'System.Boolean' }];
export const EMPTY: Coll = [];
export const bool = (b: boolean | undefined): Coll => (b === undefined ? EMPTY : b ? TRUE : FALSE);

/** Singleton evaluation of a collection in a boolean context (FHIRPath 4.5). */
export function toBool(c: Coll): boolean | undefined {
  if (c.length === 0) return undefined;
  if (c.length > 1) bail();
  const v = c[0]!.v;
  return typeof v === 'boolean' ? v : true;
}

export function singleton(c: Coll): Item | undefined {
  if (c.length > 1) bail();
  return c[0];
}

export function str(c: Coll): string | undefined {
  const it = singleton(c);
  if (it === undefined) return undefined;
  if (typeof it.v !== 'string') bail();
  return it.v;
}

// ---- equality and ordering

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => jsonEqual(x, (b as unknown[])[i]));
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}


/** Compare two FHIR dates/dateTimes when FHIRPath's answer is certain; bail otherwise. */
export function compareDates(a: string, b: string): number {
  const sa = dtShape(a), sb = dtShape(b);
  if (sa < 0 || sb < 0) bail();
  const pa = sa >> 1, pb = sb >> 1;
  if (pa !== pb) bail();
  if (pa <= 3) return a < b ? -1 : a > b ? 1 : 0;
  if ((sa & 1) === 0 || (sb & 1) === 0) bail(); // no offset: depends on the evaluator's zone
  const ta = Date.parse(a), tb = Date.parse(b);
  if (Number.isNaN(ta) || Number.isNaN(tb)) bail();
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}

export function isDate(it: Item): boolean {
  return DATE_TYPES.has(it.t);
}

export function itemEqual(x: Item, y: Item): boolean {
  if (x.t === MALFORMED_DATE || y.t === MALFORMED_DATE) bail();
  if (isDate(x) || isDate(y)) {
    if (!(isDate(x) && isDate(y)) || typeof x.v !== 'string' || typeof y.v !== 'string') bail();
    return compareDates(x.v, y.v) === 0;
  }
  if (x.t === 'time' || y.t === 'time') bail();
  const a = x.v, b = y.v;
  if (typeof a === 'object' || typeof b === 'object') {
    if (typeof a !== 'object' || typeof b !== 'object') bail();
    return jsonEqual(a, b);
  }
  if (typeof a !== typeof b) bail();
  return a === b;
}

export function collEqual(a: Coll, b: Coll): boolean | undefined {
  if (a.length === 0 || b.length === 0) return undefined;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!itemEqual(a[i]!, b[i]!)) return false;
  return true;
}

export function compare(a: Coll, b: Coll): number | undefined {
  const x = singleton(a), y = singleton(b);
  if (x === undefined || y === undefined) return undefined;
  if ((x.t === MALFORMED_DATE && isDate(y)) || (y.t === MALFORMED_DATE && isDate(x))) {
    throw new FhirpathTypeError(`cannot compare ${JSON.stringify(x.v)} with ${JSON.stringify(y.v)}`);
  }
  if (isDate(x) || isDate(y)) {
    if (!(isDate(x) && isDate(y)) || typeof x.v !== 'string' || typeof y.v !== 'string') bail();
    return compareDates(x.v, y.v);
  }
  if (x.t === 'time' || y.t === 'time') bail();
  if (typeof x.v === 'number' && typeof y.v === 'number') return x.v - y.v;
  if (typeof x.v === 'string' && typeof y.v === 'string') return x.v < y.v ? -1 : x.v > y.v ? 1 : 0;
  return bail();
}

export function contains(coll: Coll, it: Item): boolean {
  for (const c of coll) if (itemEqual(c, it)) return true;
  return false;
}

export function distinctUnion(a: Coll, b: Coll): Coll {
  const out: Coll = [];
  for (const it of [...a, ...b]) if (!contains(out, it)) out.push(it);
  return out;
}

// ---- types

export function typeName(spec: string): string {
  return spec.startsWith('FHIR.') ? spec.slice(5) : spec;
}

export function isType(it: Item, T: string): boolean {
  const want = typeName(T);
  if (want.startsWith('System.') || it.t === MALFORMED_DATE) bail();
  let t: string | undefined = it.t;
  if (t.startsWith('System.')) bail();
  if (t.includes('.')) return want === 'BackboneElement' || want === 'Element' || want === 'Base';
  if (PRIMITIVES.has(t) || PRIMITIVES.has(want)) {
    if (t === want) return true;
    bail(); // primitive subtyping (code is a string...) is left to fhirpath.js
  }
  for (let guard = 0; t && guard < 10; guard++) {
    if (t === want) return true;
    t = modelData().type2Parent[t];
  }
  return false;
}
