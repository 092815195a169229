import { expect } from 'chai';
import fc from 'fast-check';
import { checkDTM, checkDTMByRegex, isPlainGoodDTM } from '../../src/hl7/datatypes.js';

/** The DTM check read by character codes must accept exactly what the regex and range checks accept. */
describe('hl7 DTM check by character codes', () => {
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  // Near-valid timestamps: every part in and just out of range, every length, offsets and fractions.
  const dtm = fc.record({
    y: fc.integer({ min: 0, max: 9999 }), mo: fc.integer({ min: 0, max: 13 }), d: fc.integer({ min: 0, max: 32 }),
    h: fc.integer({ min: 0, max: 25 }), mi: fc.integer({ min: 0, max: 61 }), s: fc.integer({ min: 0, max: 61 }),
    len: fc.constantFrom(4, 6, 8, 10, 12, 14), frac: fc.constantFrom('', '.', '.1', '.1234', '.12345', '.x'),
    off: fc.constantFrom('', '+0000', '-0500', '+1400', '+1500', '-0560', '+05', '-05000', 'Z'),
  }).map((p) => `${pad(p.y, 4)}${pad(p.mo, 2)}${pad(p.d, 2)}${pad(p.h, 2)}${pad(p.mi, 2)}${pad(p.s, 2)}`.slice(0, p.len) + (p.len === 14 ? p.frac : '') + p.off);
  const noise = fc.array(fc.constantFrom('0', '1', '2', '9', '+', '-', '.', ' ', 'T', ':'), { maxLength: 24 }).map((cs) => cs.join(''));

  it('agrees with the regex on generated timestamps and noise (4,000 runs)', () => {
    let good = 0;
    fc.assert(fc.property(fc.oneof(dtm, noise), (v) => {
      const byRegex = checkDTMByRegex(v) === undefined;
      if (byRegex) good++;
      expect(isPlainGoodDTM(v), v).to.equal(byRegex);
      // The validator never asks about '' (an empty part is skipped before the check).
      if (v !== '') expect(checkDTM(v), v).to.equal(checkDTMByRegex(v));
    }), { numRuns: 4000 });
    expect(good).to.be.greaterThan(300);
  });

  it('known values', () => {
    for (const ok of ['2024', '202403', '20240229', '20240301083000-0500', '20240301083000.1234+1400', '2024+0000', '20000229']) expect(isPlainGoodDTM(ok), ok).to.equal(true);
    for (const bad of ['', '202', '20230229', '19000229', '20240230', '2024030124', '20240301083060', '20240301083000.', '20240301083000.12345', '20240301083000+1500', '20240301083000+0560', '2024-03-01', '20240301083000Z']) expect(isPlainGoodDTM(bad), bad).to.equal(false);
    expect(checkDTM('20240230')).to.match(/day 30 out of range/);
  });
});
