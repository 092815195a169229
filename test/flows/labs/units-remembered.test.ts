/**
 * unitOf keeps its answers by OBX-6 as sent and the message's delimiters, and Quantities are
 * built member by member from it (src/flows/labs/values.ts). The units must still follow the
 * delimiters, each Quantity must be a copy of its own, and the members must come in the order the
 * spread `{ value, ...unit }` gave (the resources' JSON is stored and compared byte for byte).
 */
import { expect } from 'chai';
import type { Quantity } from 'fhir/r4.js';
import { obxValue, referenceRange, unitOf } from '../../../src/flows/labs/values.js';
import { parse } from '../../support/labs.js';

const segOf = (msh2: string, fields: string) => {
  const m = parse(`MSH|${msh2}|A|B|C|D|20240101||ORU${msh2[0]}R01|1|P|2.5.1\rOBX|1|${fields}\r`);
  return { m, seg: m.segment('OBX')! };
};

describe('labs: OBX-6 units remembered, Quantities member by member', () => {
  it('the same OBX-6 text read with another component separator gives its own units', () => {
    const caret = segOf('^~\\&', 'NM|X||1|mg/dL#milligrams^per dL');
    const hash = segOf('#~\\&', 'NM|X||1|mg/dL#milligrams^per dL');
    expect(unitOf(caret.seg)).to.deep.equal({ unit: 'per dL' });
    expect(unitOf(hash.seg)).to.deep.equal({ unit: 'milligrams^per dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' });
    expect(unitOf(caret.seg)).to.deep.equal({ unit: 'per dL' });
  });

  it('units that take turns (a panel) each keep their own answer, under either separator', () => {
    const mg = segOf('^~\\&', 'NM|X||1|mg/dL#x^per dL');
    const mmol = segOf('^~\\&', 'NM|X||1|mmol/L');
    const hash = segOf('#~\\&', 'NM|X||1|mg/dL#x^per dL');
    for (let round = 0; round < 3; round++) {
      expect(unitOf(mg.seg)).to.deep.equal({ unit: 'per dL' });
      expect(unitOf(mmol.seg)).to.deep.equal({ unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' });
      expect(unitOf(hash.seg)).to.deep.equal({ unit: 'x^per dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' });
    }
  });

  it('members in the order value, unit, system, code; each result a Quantity of its own', () => {
    const a = segOf('^~\\&', 'NM|X||4.5|mmol/L|3.5-5.1');
    const qa = obxValue(a.m, a.seg, 'UTC').value.member!.valueQuantity as Quantity;
    expect(JSON.stringify(qa)).to.equal('{"value":4.5,"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"}');
    const range = referenceRange(a.seg)!;
    expect(JSON.stringify(range)).to.equal('{"low":{"value":3.5,"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"},"high":{"value":5.1,"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"},"text":"3.5-5.1"}');
    qa.unit = 'changed';
    range.low!.code = 'changed';
    const again = obxValue(a.m, a.seg, 'UTC').value.member!.valueQuantity as Quantity;
    expect(again.unit).to.equal('mmol/L');
    expect(referenceRange(a.seg)!.low!.code).to.equal('mmol/L');
    const text = segOf('^~\\&', 'NM|X||7|^free text unit|1-9');
    expect(JSON.stringify(obxValue(text.m, text.seg, 'UTC').value.member)).to.equal('{"valueQuantity":{"value":7,"unit":"free text unit"}}');
    const none = segOf('^~\\&', 'NM|X||7||<9');
    expect(JSON.stringify(obxValue(none.m, none.seg, 'UTC').value.member)).to.equal('{"valueQuantity":{"value":7}}');
    expect(JSON.stringify(referenceRange(none.seg))).to.equal('{"high":{"value":9},"text":"<9"}');
  });
});
