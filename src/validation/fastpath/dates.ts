/**
 * Date and dateTime text read by hand, character by character, instead of by regular expression:
 * period and appointment invariants (per-1, app-3, ...) read every start and end several times,
 * and the regexes were a visible part of validating a resource. Each scanner accepts exactly what
 * the regex it replaces accepts (test/validation/fastpath-dates.test.ts checks them side by side):
 *
 *   dtShape        DT_RE: digits in the ISO shape, no ranges (precision and offset for compareDates)
 *   isFpDate       FP_DATE: YYYY[-MM[-DD]] with valid months and days (R4 date)
 *   isFpDateTime   FP_DATETIME: as R4 dateTime, but the time may stop after the hour or the
 *                  minutes and the offset may be absent (what fhirpath.js still reads as a DateTime)
 */

function digit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

/** Two digits at i, as a number (-1 when either is not a digit). */
function two(s: string, i: number): number {
  if (!digit(s, i) || !digit(s, i + 1)) return -1;
  return (s.charCodeAt(i) - 48) * 10 + (s.charCodeAt(i + 1) - 48);
}

/**
 * DT_RE (`YYYY[-MM[-DD[Thh:mm[:ss[.f+]][Z|+hh:mm]]]]`, digits only) as one number:
 * precision * 2 + (1 when there is an offset), or -1 when it does not match. Precision: 1 year,
 * 2 month, 3 day, 5 minutes, 6 seconds (the numbering of the regex groups it replaces).
 */
export function dtShape(s: string): number {
  const n = s.length;
  if (n < 4 || !digit(s, 0) || !digit(s, 1) || !digit(s, 2) || !digit(s, 3)) return -1;
  if (n === 4) return 2;
  if (s.charCodeAt(4) !== 45 /* - */ || two(s, 5) < 0) return -1;
  if (n === 7) return 4;
  if (s.charCodeAt(7) !== 45 || two(s, 8) < 0) return -1;
  if (n === 10) return 6;
  if (s.charCodeAt(10) !== 84 /* T */ || two(s, 11) < 0 || s.charCodeAt(13) !== 58 /* : */ || two(s, 14) < 0) return -1;
  let i = 16;
  let precision = 5;
  if (s.charCodeAt(i) === 58) {
    if (two(s, i + 1) < 0) return -1;
    precision = 6;
    i += 3;
    if (s.charCodeAt(i) === 46 /* . */) {
      i++;
      if (!digit(s, i)) return -1;
      while (digit(s, i)) i++;
    }
  }
  if (i === n) return precision * 2;
  const c = s.charCodeAt(i);
  if (c === 90 /* Z */) return i + 1 === n ? precision * 2 + 1 : -1;
  if ((c === 43 || c === 45) && n === i + 6 && two(s, i + 1) >= 0 && s.charCodeAt(i + 3) === 58 && two(s, i + 4) >= 0) return precision * 2 + 1;
  return -1;
}

/** A year of FP_DATE/FP_DATETIME: four digits, not 0000. */
function year(s: string): boolean {
  return s.length >= 4 && digit(s, 0) && digit(s, 1) && digit(s, 2) && digit(s, 3) && !(s.charCodeAt(0) === 48 && s.charCodeAt(1) === 48 && s.charCodeAt(2) === 48 && s.charCodeAt(3) === 48);
}

/** `-MM` at 4 and `-DD` at 7, as far as the text goes; returns where the date part ends, or -1. */
function monthDay(s: string): number {
  const n = s.length;
  if (n === 4) return 4;
  if (s.charCodeAt(4) !== 45) return -1;
  const m = two(s, 5);
  if (m < 1 || m > 12) return -1;
  if (n === 7) return 7;
  if (s.charCodeAt(7) !== 45) return -1;
  const d = two(s, 8);
  if (d < 1 || d > 31) return -1;
  return 10;
}

/** FP_DATE: `YYYY[-MM[-DD]]`, months 01-12, days 01-31, year not 0000. */
export function isFpDate(s: string): boolean {
  return year(s) && monthDay(s) === s.length;
}

/** FP_DATETIME (see the file comment). */
export function isFpDateTime(s: string): boolean {
  if (!year(s)) return false;
  const end = monthDay(s);
  if (end < 0) return false;
  const n = s.length;
  if (end === n) return true;
  if (end !== 10 || s.charCodeAt(10) !== 84) return false;
  const h = two(s, 11);
  if (h < 0 || h > 23) return false;
  let i = 13;
  if (s.charCodeAt(i) === 58) {
    const mi = two(s, i + 1);
    if (mi < 0 || mi > 59) return false;
    i += 3;
    if (s.charCodeAt(i) === 58) {
      const sec = two(s, i + 1);
      if (sec < 0 || sec > 60) return false;
      i += 3;
      if (s.charCodeAt(i) === 46) {
        i++;
        if (!digit(s, i)) return false;
        while (digit(s, i)) i++;
      }
    }
  }
  if (i === n) return true;
  const c = s.charCodeAt(i);
  if (c === 90) return i + 1 === n;
  if ((c !== 43 && c !== 45) || n !== i + 6 || s.charCodeAt(i + 3) !== 58) return false;
  const oh = two(s, i + 1);
  const om = two(s, i + 4);
  if (oh < 0 || om < 0) return false;
  // (0[0-9]|1[0-3]):[0-5][0-9] or 14:00
  return (oh <= 13 && om <= 59) || (oh === 14 && om === 0);
}
