/**
 * parseDtm reads the common form (digits, an optional +/-hhmm) by character codes and everything
 * else by its regex (src/mapping/datetime.ts): both must give the same parts, or both none.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { hl7ToFhirDateTime, parseDtm, parseDtmByRegex } from '../../src/mapping/datetime.js';

const piece = fc.constantFrom('0', '1', '2', '3', '5', '9', '12', '29', '30', '31', '59', '60', '00', '+', '-', '.', ' ', 'T', ':', 'Z', '\u0660', '\u00a0');
const value = fc.array(piece, { minLength: 0, maxLength: 14 }).map((xs) => xs.join(''));
const plausible = fc.tuple(
  fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }),
  fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 61 }),
  fc.integer({ min: 0, max: 6 }), fc.constantFrom('', '-0500', '+0000', '+1400', '+1500', '-0560', '+05', ' '),
).map(([y, mo, d, h, mi, s, keep, off]) => {
  const two = (n: number) => String(n).padStart(2, '0');
  const parts = [String(y).padStart(4, '0'), two(mo), two(d), two(h), two(mi), two(s)];
  return parts.slice(0, keep).join('') + off;
});

describe('parseDtm: the reading by character codes agrees with the regex', () => {
  it('on generated date/times, offsets included', () => {
    fc.assert(fc.property(plausible, (v) => { expect(parseDtm(v), v).to.deep.equal(parseDtmByRegex(v)); }), { numRuns: 20000 });
  });
  it('on generated strings of digits, signs, dots, spaces and other characters', () => {
    fc.assert(fc.property(value, (v) => { expect(parseDtm(v), JSON.stringify(v)).to.deep.equal(parseDtmByRegex(v)); }), { numRuns: 20000 });
  });
  it('on the forms the mappings meet', () => {
    for (const v of ['2024', '202403', '20240301', '2024030108', '202403010830', '20240301083000', '20240301083000-0500', '20240301083000.1234-0500',
      ' 20240301 ', '20240230', '20240229', '20230229', '19000229', '20000229', '0000', '00000229', '20240301083000+1500', '2024+0500', '2024030108300', '20240301-0500'])
      expect(parseDtm(v), v).to.deep.equal(parseDtmByRegex(v));
  });
});

describe('mapping/datetime: hl7ToFhirDateTime remembers its last issue-free reading', () => {
  it('a repeated input (a hit) reads as a first reading does, issues and their field included, in any timezone', () => {
    const zones = fc.constantFrom('UTC', 'America/Chicago', 'Australia/Lord_Howe');
    fc.assert(fc.property(fc.oneof(plausible, value), zones, zones, (s, tz1, tz2) => {
      // A first reading, after another input has taken the memory.
      hl7ToFhirDateTime('19990101', 'X.1', 'UTC');
      const first = hl7ToFhirDateTime(s, 'OBX[1].14', tz1);
      const again = hl7ToFhirDateTime(s, 'OBX[2].14', tz1);
      const elsewhere = hl7ToFhirDateTime(s, 'OBX[3].14', tz2);
      const at = (r: typeof first, where: string) => JSON.stringify(r).replaceAll(where, '@');
      expect(at(again, 'OBX[2].14')).to.equal(at(first, 'OBX[1].14'));
      hl7ToFhirDateTime('19990101', 'X.1', 'UTC');
      expect(at(elsewhere, 'OBX[3].14')).to.equal(at(hl7ToFhirDateTime(s, 'OBX[4].14', tz2), 'OBX[4].14'));
      // A hit hands out its own issues array.
      again.issues.push({ severity: 'information', code: 'informational', diagnostics: 'x' });
      expect(hl7ToFhirDateTime(s, 'OBX[5].14', tz1).issues.length).to.equal(first.issues.length);
    }), { numRuns: 3000 });
  });
});
