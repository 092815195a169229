/**
 * zoneOffset (src/mapping/datetime.ts) remembers its answers by their exact inputs: an answer
 * from memory must be the one Intl gives, around the DST changes of several zones (a gap and an
 * overlap each year) and on generated wall-clock times (the run's pinned fast-check seed).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { zoneOffset } from '../../src/mapping/datetime.js';

/** The offset as zoneOffset works it out, without memory: two Intl readings. */
function reference(y: number, mo: number, d: number, h: number, mi: number, timezone: string): string {
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset' });
  const at = (ms: number): number => {
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(fmt.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT');
    return m ? (m[1] === '-' ? -1 : 1) * (+m[2]! * 60 + +m[3]!) : 0;
  };
  const local = Date.UTC(y, mo - 1, d, h, mi);
  const off = at(local - at(local) * 60000);
  const abs = Math.abs(off);
  return `${off < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

const ZONES = ['America/Chicago', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'];

describe('mapping: zoneOffset answers from memory as Intl does', () => {
  it('every 10 minutes across the 2024 DST changes of each zone, asked twice', () => {
    for (const tz of ZONES) {
      for (const [mo, d] of [[3, 10], [3, 31], [4, 7], [10, 6], [10, 27], [11, 3]] as const) {
        for (let h = 0; h < 4; h++) {
          for (let mi = 0; mi < 60; mi += 10) {
            const want = reference(2024, mo, d, h, mi, tz);
            expect(zoneOffset(2024, mo, d, h, mi, tz), `${tz} 2024-${mo}-${d} ${h}:${mi}`).to.equal(want);
            expect(zoneOffset(2024, mo, d, h, mi, tz)).to.equal(want);
          }
        }
      }
    }
  });

  it('generated wall-clock times, asked twice', () => {
    fc.assert(fc.property(fc.constantFrom(...ZONES), fc.integer({ min: 1900, max: 2100 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }),
      fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), (tz, y, mo, d, h, mi) => {
        const want = reference(y, mo, d, h, mi, tz);
        expect(zoneOffset(y, mo, d, h, mi, tz)).to.equal(want);
        expect(zoneOffset(y, mo, d, h, mi, tz)).to.equal(want);
      }), { numRuns: 300 });
  });
});
