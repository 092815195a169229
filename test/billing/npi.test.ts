import { expect } from 'chai';
import fc from 'fast-check';
import { isValidNpi, luhnCheckDigit, npiFromBase, npiProblem } from '../../src/billing/npi.js';

describe('billing: NPI check digit (Luhn over 80840)', () => {
  it('accepts the CMS worked example 1234567893 and rejects its neighbours', () => {
    expect(isValidNpi('1234567893')).to.equal(true);
    for (let d = 0; d <= 9; d++) if (d !== 3) expect(npiProblem(`123456789${d}`)).to.equal('check-digit');
  });

  it('computes the check digit with the 80840 prefix (not a bare Luhn over 9 digits)', () => {
    expect(npiFromBase('123456789')).to.equal('1234567893');
    // Without the prefix the Luhn digit of 123456789 would be 7.
    expect(luhnCheckDigit('123456789')).to.equal(7);
  });

  it('reports the form before the check digit', () => {
    for (const bad of ['', '123456789', '12345678901', '12345678a3', ' 1234567893']) expect(npiProblem(bad)).to.equal('format');
  });

  it('every generated NPI passes, and changing any one digit makes it fail (1,000 runs)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 9, maxLength: 9 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 9 }), (base, pos, delta) => {
      const npi = npiFromBase(base.join(''));
      expect(isValidNpi(npi)).to.equal(true);
      const changed = npi.slice(0, pos) + String((Number(npi[pos]) + delta) % 10) + npi.slice(pos + 1);
      expect(isValidNpi(changed)).to.equal(false);
    }), { numRuns: 1000 });
  });

  it('the synthetic NPIs used in examples are valid', () => {
    for (const npi of ['1234567893', '1040000014', '1050000029']) expect(isValidNpi(npi), npi).to.equal(true);
  });
});
