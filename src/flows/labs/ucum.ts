/**
 * UCUM unit check for OBX-6, with the UCUM library fhirpath already depends on
 * (@lhncbc/ucum-lhc, loaded once; it has no type declarations, hence the narrow interface).
 * A unit is UCUM when OBX-6.3 names UCUM, or when its code validates as a UCUM expression.
 */
import { createRequire } from 'node:module';

interface UcumUtils {
  validateUnitString(unit: string, suggest?: boolean): { status: 'valid' | 'invalid' | 'error'; ucumCode: string | null };
}

const require = createRequire(import.meta.url);
let utils: UcumUtils | undefined;
const cache = new Map<string, string | undefined>();

function ucum(): UcumUtils {
  if (!utils) {
    const pkg = require('@lhncbc/ucum-lhc') as { UcumLhcUtils: { getInstance(): UcumUtils } };
    utils = pkg.UcumLhcUtils.getInstance();
  }
  return utils;
}

/** The UCUM code for a unit string, or undefined when it is not a valid UCUM expression. */
export function ucumCode(unit: string): string | undefined {
  if (cache.has(unit)) return cache.get(unit);
  let code: string | undefined;
  // The library console.logs the unit string when its parser fails ("50 to 73"): that would put
  // message content on the CLI's stdout (the converted document) and past the PHI-aware logger.
  const log = console.log;
  console.log = () => {};
  try {
    const r = ucum().validateUnitString(unit, false);
    code = r.status === 'valid' && r.ucumCode ? r.ucumCode : undefined;
  } catch {
    code = undefined; // the library throws on some malformed input; that unit is simply not UCUM
  } finally {
    console.log = log;
  }
  if (cache.size < 10_000) cache.set(unit, code);
  return code;
}
