import { expect } from 'chai';
import { errorCodeOf } from '../../../src/domain/issues.js';
import { obxValue, referenceRange, unitOf } from '../../../src/flows/labs/values.js';
import { ucumCode } from '../../../src/flows/labs/ucum.js';
import { DATATYPES } from '../../../src/mapping/datatypes/index.js';
import { parse } from '../../support/labs.js';

const obx = (fields: string) => {
  const m = parse(`MSH|^~\\&|A|B|C|D|20240101||ORU^R01|1|P|2.5.1\rOBX|1|${fields}\r`);
  return { m, seg: m.segment('OBX')! };
};
const value = (fields: string) => {
  const { m, seg } = obx(fields);
  return obxValue(m, seg, 'UTC');
};

describe('labs: OBX-5 by OBX-2 (table 0125)', () => {
  it('NM -> Quantity, with the UCUM system only when the unit is valid UCUM', () => {
    expect(value('NM|X^x^LN||4.5|mmol/L').value.member).to.deep.equal({ valueQuantity: { value: 4.5, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' } });
    expect(value('NM|X^x^LN||8.2|giga.l-1').value.member).to.deep.equal({ valueQuantity: { value: 8.2, unit: 'giga.l-1' } });
    expect(value('NM|X^x^LN||72|beats/min^beats per minute^ISO+').value.member).to.deep.equal({ valueQuantity: { value: 72, unit: 'beats per minute' } });
    expect(value('NM|X^x^LN||-0.5').value.member).to.deep.equal({ valueQuantity: { value: -0.5 } });
  });

  it('NM sent as a comparison ("<0.5") is read as SN with a warning; other text is an error', () => {
    const lt = value('NM|X^x^LN||<0.5|mg/dL');
    expect(lt.value.member).to.deep.equal({ valueQuantity: { value: 0.5, comparator: '<', unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' } });
    expect(lt.issues.map((i) => [errorCodeOf(i), i.severity, i.expression?.[0]])).to.deep.equal([['HL7_DATATYPE', 'warning', 'OBX.5']]);
    expect(value('NM|X^x^LN||>= 100').value.member).to.deep.equal({ valueQuantity: { value: 100, comparator: '>=' } });
    const text = value('NM|X^x^LN||high');
    expect(text.value.member).to.equal(undefined);
    expect(text.issues.map((i) => [errorCodeOf(i), i.severity])).to.deep.equal([['HL7_DATATYPE', 'error']]);
  });

  it('SN -> Quantity with comparator, Range, Ratio, or an ordinal string', () => {
    expect(value('SN|X^x^LN||>^200|mg/dL').value.member).to.deep.equal({ valueQuantity: { value: 200, comparator: '>', unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' } });
    expect(value('SN|X^x^LN||^182').value.member).to.deep.equal({ valueQuantity: { value: 182 } });
    expect(value('SN|X^x^LN||=^5').value.member).to.deep.equal({ valueQuantity: { value: 5 } });
    expect(value('SN|X^x^LN||^10^-^20|%').value.member).to.deep.equal({ valueRange: {
      low: { value: 10, unit: '%', system: 'http://unitsofmeasure.org', code: '%' }, high: { value: 20, unit: '%', system: 'http://unitsofmeasure.org', code: '%' } } });
    expect(value('SN|X^x^LN||^1^:^128').value.member).to.deep.equal({ valueRatio: { numerator: { value: 1 }, denominator: { value: 128 } } });
    expect(value('SN|X^x^LN||^1^/^2').value.member).to.deep.equal({ valueRatio: { numerator: { value: 1 }, denominator: { value: 2 } } });
    expect(value('SN|X^x^LN||^2^+').value.member).to.deep.equal({ valueString: '2+' });
    for (const bad of ['<>^5', '^a', '^1^-', '>^1^-^2', '^1^?^2']) {
      const r = value(`SN|X^x^LN||${bad}`);
      expect(r.value.member, bad).to.equal(undefined);
      expect(r.issues.map((i) => [errorCodeOf(i), i.expression?.[0]]), bad).to.deep.equal([['HL7_DATATYPE', 'OBX.5']]);
    }
  });

  it('CWE/CE -> CodeableConcept, ST/TX/FT -> string, DT/DTM/TS -> dateTime, TM -> time', () => {
    expect(value('CE|X^x^LN||POS^Positive^HL70078').value.member).to.deep.equal({ valueCodeableConcept: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0078', code: 'POS', display: 'Positive' }] } });
    expect(value('CWE|X^x^LN||^^^^^^^^Free text only').value.member).to.deep.equal({ valueCodeableConcept: { text: 'Free text only' } });
    expect(value('ST|X^x^LN||Clear, yellow').value.member).to.deep.equal({ valueString: 'Clear, yellow' });
    expect(value('FT|X^x^LN||Line one\\.br\\Line two').value.member).to.deep.equal({ valueString: 'Line one\nLine two' });
    expect(value('TX|X^x^LN||A^B').value.member).to.deep.equal({ valueString: 'A^B' });
    expect(value('DT|X^x^LN||20240301').value.member).to.deep.equal({ valueDateTime: '2024-03-01' });
    expect(value('DTM|X^x^LN||202403010815-0500').value.member).to.deep.equal({ valueDateTime: '2024-03-01T08:15:00-05:00' });
    expect(value('TS|X^x^LN||20240301081530+0100').value.member).to.deep.equal({ valueDateTime: '2024-03-01T08:15:30+01:00' });
    expect(value('TM|X^x^LN||0815').value.member).to.deep.equal({ valueTime: '08:15:00' });
    expect(value('TM|X^x^LN||2575').issues.map(errorCodeOf)).to.deep.equal(['HL7_DATATYPE']);
  });

  it('composite types without an Observation value type become readable text', () => {
    expect(value('XCN|X^x^LN||1234^Carter^Dana').value.member).to.deep.equal({ valueString: '1234 Carter Dana' });
  });

  it('ED and RP -> Attachment (for DiagnosticReport.presentedForm)', () => {
    const b64 = Buffer.from('%PDF-1.4 tiny').toString('base64');
    expect(value(`ED|X^x^LN||LAB^AP^PDF^Base64^${b64}`).value).to.deep.equal({ attachment: { contentType: 'application/pdf', data: b64 } });
    expect(value('ED|X^x^LN||LAB^TEXT^PLAIN^A^Hello').value.attachment).to.deep.equal({ contentType: 'text/plain', data: Buffer.from('Hello').toString('base64') });
    expect(value('ED|X^x^LN||LAB^AP^PDF^Hex^48656C6C6F').value.attachment?.data).to.equal(Buffer.from('Hello').toString('base64'));
    expect(value('ED|X^x^LN||LAB^AP^PDF^Base64^not base64!').issues.map(errorCodeOf)).to.deep.equal(['HL7_DATATYPE']);
    expect(value('ED|X^x^LN||LAB^AP^PDF^UU^abc').issues.map(errorCodeOf)).to.deep.equal(['HL7_TABLE_VALUE']);
    expect(value('RP|X^x^LN||https://lab.example.org/r/1^LAB^IMAGE^JPEG').value.attachment).to.deep.equal({ url: 'https://lab.example.org/r/1', contentType: 'image/jpeg' });
  });

  it('several repetitions of a single-valued type: the first, and a warning at the field', () => {
    const r = value('NM|X^x^LN||27~25');
    expect(r.value.member).to.deep.equal({ valueQuantity: { value: 27 } });
    expect(r.issues.map((i) => [i.severity, i.expression?.[0]])).to.deep.equal([['warning', 'OBX.5']]);
  });

  it('an empty OBX-5 gives no value and no issue (the status decides)', () => {
    expect(value('NM|X^x^LN||').value).to.deep.equal({});
    expect(value('||X^x^LN||').issues).to.deep.equal([]);
  });

  it('round-trips SN values through the named transform', () => {
    for (const rep of [['>', '200'], ['', '10', '-', '20'], ['', '1', ':', '128']]) {
      const tree = rep.map((c) => [c]);
      const fhir = DATATYPES.SN!.toFhir(tree, { where: 'OBX.5', timezone: 'UTC' }).value;
      expect(DATATYPES.SN!.fromFhir(fhir, { where: 'OBX.5', timezone: 'UTC' })).to.deep.equal(rep);
    }
  });
});

describe('labs: OBX-6 units and OBX-7 reference ranges', () => {
  it('checks units with the UCUM library', () => {
    expect(ucumCode('10*3/uL')).to.equal('10*3/uL');
    expect(ucumCode('{cells}/uL')).to.equal('{cells}/uL');
    expect(ucumCode('tera.l-1')).to.equal(undefined);
    expect(ucumCode('')).to.equal(undefined);
    expect(unitOf(obx('NM|X||1|^free text unit').seg)).to.deep.equal({ unit: 'free text unit' });
  });

  it('a unit the UCUM parser rejects is not printed by the library (stdout is the CLI document)', () => {
    const printed: unknown[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => { printed.push(a); };
    try {
      expect(ucumCode('50 to 73 review')).to.equal(undefined);
    } finally {
      console.log = log;
    }
    expect(printed).to.deep.equal([]);
    expect(console.log).to.equal(log);
  });

  it('reads ranges as low/high in the unit, always keeping the text', () => {
    const range = (r: string, unit = 'mg/dL') => referenceRange(obx(`NM|X||1|${unit}|${r}`).seg);
    const u = { unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' };
    expect(range('70-105')).to.deep.equal({ low: { value: 70, ...u }, high: { value: 105, ...u }, text: '70-105' });
    expect(range('70_105')).to.deep.equal({ low: { value: 70, ...u }, high: { value: 105, ...u }, text: '70_105' });
    expect(range('4.3 to 6.2')!.high!.value).to.equal(6.2);
    expect(range('-2 - 2')).to.deep.include({ low: { value: -2, ...u }, high: { value: 2, ...u } });
    expect(range('<200')).to.deep.equal({ high: { value: 200, ...u }, text: '<200' });
    expect(range('>=60')).to.deep.equal({ low: { value: 60, ...u }, text: '>=60' });
    expect(range('negative')).to.deep.equal({ text: 'negative' });
    expect(range('')).to.equal(undefined);
  });
});
