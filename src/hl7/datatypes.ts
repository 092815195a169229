/**
 * Format checks for the HL7v2 primitive data types the validator checks (v2.5.1 chapter 2A):
 * DTM/TS, DT, TM, NM, SI. Each returns a readable problem, or undefined when the value is fine.
 * Values arrive as sent (escaped); the HL7 explicit null `""` is accepted everywhere.
 */

// DTM: YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]
const DTM = /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.\d{1,4})?)?)?)?)?)?([+-]\d{4})?$/;
const DT = /^(\d{4})(?:(\d{2})(\d{2})?)?$/;
const TM = /^(\d{2})(?:(\d{2})(?:(\d{2})(?:\.\d{1,4})?)?)?([+-]\d{4})?$/;
const NM = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const SI = /^\d+$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function dateParts(y: string, mo?: string, d?: string): string | undefined {
  if (mo !== undefined) {
    const m = Number(mo);
    if (m < 1 || m > 12) return `month ${mo} out of range`;
    if (d !== undefined) {
      const day = Number(d);
      const year = Number(y);
      const last = m === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : DAYS_IN_MONTH[m - 1]!;
      if (day < 1 || day > last) return `day ${d} out of range`;
    }
  }
  return undefined;
}

function timeParts(h?: string, mi?: string, s?: string, offset?: string): string | undefined {
  if (h !== undefined && Number(h) > 23) return `hour ${h} out of range`;
  if (mi !== undefined && Number(mi) > 59) return `minute ${mi} out of range`;
  if (s !== undefined && Number(s) > 59) return `second ${s} out of range`;
  if (offset !== undefined) {
    const oh = Number(offset.slice(1, 3));
    const om = Number(offset.slice(3, 5));
    if (oh > 14 || om > 59) return `UTC offset ${offset} out of range`;
  }
  return undefined;
}

// Messages repeat the same timestamps (MSH-7, EVN-2, every OBX-14): remember the last good one.
let lastGoodDTM = '';

/** charCode of '0' .. '9' at i, as a number, or -1. */
function digitAt(v: string, i: number): number {
  const c = v.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

/** Two digits at i as a number, or -1. */
function twoAt(v: string, i: number): number {
  const a = digitAt(v, i), b = digitAt(v, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/**
 * True only for a DTM the regex and the range checks below accept, read by character codes: no
 * match array, no substrings, no Number() per part. Anything else (false) goes through the regex,
 * which also words the problem. The two agree on every value: test/hl7/datatypes-dtm.test.ts.
 */
export function isPlainGoodDTM(v: string): boolean {
  let end = v.length;
  if (end >= 9) {
    const sign = v.charCodeAt(end - 5);
    if (sign === 43 || sign === 45) {
      const oh = twoAt(v, end - 4), om = twoAt(v, end - 2);
      if (oh < 0 || om < 0 || oh > 14 || om > 59) return false;
      end -= 5;
    }
  }
  // YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]]
  let digits = end;
  if (end > 14) {
    if (v.charCodeAt(14) !== 46 /* '.' */ || end - 15 < 1 || end - 15 > 4) return false;
    for (let i = 15; i < end; i++) if (digitAt(v, i) < 0) return false;
    digits = 14;
  }
  if (digits < 4 || digits % 2 !== 0) return false;
  for (let i = 0; i < digits; i++) if (digitAt(v, i) < 0) return false;
  if (digits >= 6) {
    const m = twoAt(v, 4);
    if (m < 1 || m > 12) return false;
    if (digits >= 8) {
      const y = digitAt(v, 0) * 1000 + digitAt(v, 1) * 100 + twoAt(v, 2);
      const d = twoAt(v, 6);
      const last = m === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : DAYS_IN_MONTH[m - 1]!;
      if (d < 1 || d > last) return false;
    }
  }
  if (digits >= 10 && twoAt(v, 8) > 23) return false;
  if (digits >= 12 && twoAt(v, 10) > 59) return false;
  if (digits >= 14 && twoAt(v, 12) > 59) return false;
  return true;
}

export function checkDTM(v: string): string | undefined {
  if (v === lastGoodDTM) return undefined;
  if (isPlainGoodDTM(v)) {
    lastGoodDTM = v;
    return undefined;
  }
  return checkDTMByRegex(v);
}

/** The DTM check by its regex and range checks (what isPlainGoodDTM must agree with). */
export function checkDTMByRegex(v: string): string | undefined {
  const m = DTM.exec(v);
  if (!m) return `"${v}" is not a DTM date/time (YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ])`;
  const p = dateParts(m[1]!, m[2], m[3]) ?? timeParts(m[4], m[5], m[6], m[7]);
  if (p) return `"${v}" is not a valid date/time: ${p}`;
  lastGoodDTM = v;
  return undefined;
}

export function checkDT(v: string): string | undefined {
  const m = DT.exec(v);
  if (!m) return `"${v}" is not a DT date (YYYY[MM[DD]])`;
  const p = dateParts(m[1]!, m[2], m[3]);
  return p ? `"${v}" is not a valid date: ${p}` : undefined;
}

export function checkTM(v: string): string | undefined {
  const m = TM.exec(v);
  if (!m) return `"${v}" is not a TM time (HH[MM[SS[.S]]][+/-ZZZZ])`;
  const p = timeParts(m[1], m[2], m[3], m[4]);
  return p ? `"${v}" is not a valid time: ${p}` : undefined;
}

export function checkNM(v: string): string | undefined {
  return NM.test(v) ? undefined : `"${v}" is not a number (NM)`;
}

export function checkSI(v: string): string | undefined {
  return SI.test(v) ? undefined : `"${v}" is not a sequence id (SI, a non-negative integer)`;
}

/** The checker of a primitive type, or undefined when the type has no format to check (ST, TX, FT...). */
export function primitiveCheck(type: string): ((v: string) => string | undefined) | undefined {
  switch (type) {
    case 'DTM': return checkDTM;
    case 'DT': return checkDT;
    case 'TM': return checkTM;
    case 'NM': return checkNM;
    case 'SI': return checkSI;
    default: return undefined;
  }
}
