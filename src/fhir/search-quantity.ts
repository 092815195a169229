/**
 * Quantity search (R4 search 3.1.1.4.6): `[prefix]number|system|code`, `[prefix]number||code`
 * (code or unit) or `[prefix]number` (any unit). A number stands for the range its precision
 * implies (`5.4` is [5.35, 5.45), R4 3.1.1.4.1); `ap` is within 10 % of it.
 *
 * UCUM values are also kept in canonical form, so `value-quantity=0.9|http://unitsofmeasure.org|g/L`
 * finds a result stored as 90 mg/dL: the UCUM library fhirpath already depends on
 * (@lhncbc/ucum-lhc) converts a value to its base units; the canonical unit is the base units
 * with their exponents (`g.m-3`). Units the library cannot convert are compared by code only.
 * Note that UCUM counts a mole as a number (6.02e23), so mmol/L and 10*3/uL share a dimension.
 */
import { createRequire } from 'node:module';

export const UCUM = 'http://unitsofmeasure.org';

interface UcumUtils {
  convertToBaseUnits(unit: string, value: number): { status: string; magnitude?: number; unitToExp?: Record<string, number> };
}

let utils: UcumUtils | undefined;
const unitCache = new Map<string, boolean>();

function ucum(): UcumUtils {
  if (!utils) {
    const require = createRequire(import.meta.url);
    utils = (require('@lhncbc/ucum-lhc') as { UcumLhcUtils: { getInstance(): UcumUtils } }).UcumLhcUtils.getInstance();
  }
  return utils;
}

/** A value in UCUM base units: `{ value: 900, unit: 'g.m-3' }` for 90 mg/dL; undefined when the code is not convertible UCUM. */
export function canonical(code: string, value: number): { value: number; unit: string } | undefined {
  if (unitCache.get(code) === false) return undefined;
  // The library console.logs what its parser fails on: that would put stored content on stdout.
  const log = console.log;
  console.log = () => {};
  try {
    const r = ucum().convertToBaseUnits(code, value);
    if (r.status !== 'succeeded' || typeof r.magnitude !== 'number' || !Number.isFinite(r.magnitude) || !r.unitToExp) {
      if (unitCache.size < 10_000) unitCache.set(code, false);
      return undefined;
    }
    const unit = Object.entries(r.unitToExp).sort(([a], [b]) => (a < b ? -1 : 1)).map(([u, e]) => (e === 1 ? u : `${u}${e}`)).join('.') || '1';
    return { value: r.magnitude, unit };
  } catch {
    return undefined;
  } finally {
    console.log = log;
  }
}

const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'] as const;

export interface QuantitySearch {
  prefix: string;
  /** The number as given, and the range its precision implies (ap: within 10 %). */
  value: number;
  lo: number;
  hi: number;
  system?: string | undefined;
  code?: string | undefined;
  /** When system is UCUM and the code converts: the same search in base units. */
  canonical?: { unit: string; value: number; lo: number; hi: number } | undefined;
}

/** `gt5.4|http://unitsofmeasure.org|mg` -> a QuantitySearch; undefined when malformed. */
export function parseQuantitySearch(v: string): QuantitySearch | undefined {
  const parts = v.split('|');
  if (parts.length !== 1 && parts.length !== 3) return undefined;
  let num = parts[0]!;
  let prefix = 'eq';
  const p = num.slice(0, 2);
  if ((PREFIXES as readonly string[]).includes(p)) {
    prefix = p;
    num = num.slice(2);
  }
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(num)) return undefined;
  const value = Number(num);
  // Precision: half a unit of the last digit given (5.4 -> 0.05; 5.40 -> 0.005; 1e2 -> 0.5e2).
  const m = /^[+-]?\d*(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(num)!;
  const half = 0.5 * 10 ** (-(m[1]?.length ?? 0) + Number(m[2] ?? 0));
  const [lo, hi] = prefix === 'ap' ? [value - Math.abs(value) * 0.1, value + Math.abs(value) * 0.1] : [value - half, value + half];
  const system = parts.length === 3 && parts[1] !== '' ? parts[1] : undefined;
  const code = parts.length === 3 && parts[2] !== '' ? parts[2] : undefined;
  if (parts.length === 3 && code === undefined) return undefined;
  const out: QuantitySearch = { prefix, value, lo, hi, system, code };
  if (system === UCUM && code) {
    const c = canonical(code, value);
    const cl = canonical(code, lo);
    const ch = canonical(code, hi);
    if (c && cl && ch) out.canonical = { unit: c.unit, value: c.value, lo: Math.min(cl.value, ch.value), hi: Math.max(cl.value, ch.value) };
  }
  return out;
}
