/**
 * The hand-written date scanners of the fast FHIRPath evaluator (src/validation/fastpath/dates.ts)
 * accept exactly what the regexes they replace accept: on edge cases written out, and on strings
 * made of date-like pieces (fast-check, pinned seed).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { dtShape, isFpDate, isFpDateTime } from '../../src/validation/fastpath/dates.js';
import { DT_RE, FP_DATE, FP_DATETIME } from '../../src/validation/fastpath/model.js';

/** What compareDates read from DT_RE: precision * 2 + offset, or -1. */
function dtShapeByRegex(s: string): number {
  const m = DT_RE.exec(s);
  if (!m) return -1;
  const precision = m[6] !== undefined ? 6 : m[5] !== undefined ? 5 : m[3] !== undefined ? 3 : m[2] !== undefined ? 2 : 1;
  return precision * 2 + (m[8] !== undefined ? 1 : 0);
}

const EDGES = [
  '', '2024', '0000', '0001', '1000', '0100', '0010', '202', '20245', '2024-', '2024-1', '2024-00', '2024-01', '2024-12', '2024-13', '2024-99',
  '2024-01-', '2024-01-00', '2024-01-01', '2024-01-31', '2024-01-32', '2024-02-30', '2024-01-01T', '2024-01-01T09', '2024-01-01T24', '2024-01-01T23',
  '2024-01-01T09:', '2024-01-01T09:30', '2024-01-01T09:60', '2024-01-01T09:30:', '2024-01-01T09:30:00', '2024-01-01T09:30:60', '2024-01-01T09:30:61',
  '2024-01-01T09:30:00.', '2024-01-01T09:30:00.5', '2024-01-01T09:30:00.123456', '2024-01-01T09:30:00Z', '2024-01-01T09:30Z', '2024-01-01T09Z',
  '2024-01-01T09:30:00+05:00', '2024-01-01T09:30:00-05:00', '2024-01-01T09:30:00+14:00', '2024-01-01T09:30:00+14:01', '2024-01-01T09:30:00+13:59',
  '2024-01-01T09:30:00+13:60', '2024-01-01T09:30:00+1:00', '2024-01-01T09:30:00+05:00Z', '2024-01-01T09:30:00ZZ', '2024-01-01T09:30:00.5-03:30',
  '2024-01-01T09:30+05:00', '2024-01-01T09+05:00', '2024-01-01 09:30:00', '2024/01/01', '٢٠٢٤', '2024-01-01T09:30:00z', '2024-01-01t09:30:00',
];

const piece = fc.constantFrom('0', '1', '2', '3', '5', '9', '00', '01', '12', '13', '23', '24', '31', '59', '60', '14', '-', ':', 'T', 'Z', '+', '.', ' ', 'x');
const dateLike = fc.oneof(
  fc.array(piece, { maxLength: 14 }).map((xs) => xs.join('')),
  fc.tuple(fc.constantFrom('2024', '0000', '1999', '0101'), fc.array(piece, { maxLength: 12 })).map(([y, xs]) => y + xs.join('')),
  fc.tuple(fc.constantFrom('2024-03-05T', '2024-03-05T09:30', '2024-03-05T09:30:00', '2024-03'), fc.array(piece, { maxLength: 8 })).map(([y, xs]) => y + xs.join('')),
  // Offsets: after the hour, the minutes, the seconds or a fraction.
  fc.tuple(fc.constantFrom('2024-03-05T09', '2024-03-05T09:30', '2024-03-05T09:30:00', '2024-03-05T09:30:00.25'), fc.constantFrom('Z', '+', '-'), fc.array(piece, { maxLength: 5 }))
    .map(([y, sign, xs]) => y + sign + xs.join('')),
);

describe('validation: the fast path reads dates as the regexes do', () => {
  it('on edge cases', () => {
    for (const s of EDGES) {
      expect(dtShape(s), `dtShape ${JSON.stringify(s)}`).to.equal(dtShapeByRegex(s));
      expect(isFpDate(s), `isFpDate ${JSON.stringify(s)}`).to.equal(FP_DATE.test(s));
      expect(isFpDateTime(s), `isFpDateTime ${JSON.stringify(s)}`).to.equal(FP_DATETIME.test(s));
    }
  });

  it('on strings made of date-like pieces', () => {
    fc.assert(fc.property(dateLike, (s) => {
      expect(dtShape(s), `dtShape ${JSON.stringify(s)}`).to.equal(dtShapeByRegex(s));
      expect(isFpDate(s), `isFpDate ${JSON.stringify(s)}`).to.equal(FP_DATE.test(s));
      expect(isFpDateTime(s), `isFpDateTime ${JSON.stringify(s)}`).to.equal(FP_DATETIME.test(s));
    }), { numRuns: 20_000 });
  });
});
