import { expect } from 'chai';
import { parseDtm } from '../../src/mapping/datetime.js';

/** Which days exist (src/mapping/datetime.ts daysIn) is what a Date says, for every year, month and last days. */
describe('mapping: the calendar of HL7 dates', () => {
  it('parseDtm accepts day 28-31 exactly when the month has it, years 0000-9999', () => {
    const dateSays = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
    let checked = 0;
    for (let y = 0; y <= 9999; y++) {
      for (let m = 1; m <= 12; m++) {
        for (const d of [28, 29, 30, 31]) {
          const s = `${String(y).padStart(4, '0')}${String(m).padStart(2, '0')}${d}`;
          if ((parseDtm(s) !== undefined) !== (d <= dateSays(y, m))) expect.fail(`${s}: parseDtm and Date disagree`);
          checked++;
        }
      }
    }
    expect(checked).to.equal(480_000);
    expect(parseDtm('20240229')).to.not.equal(undefined);
    expect(parseDtm('19000229')).to.equal(undefined);
    expect(parseDtm('20000229')).to.not.equal(undefined);
  });
});
