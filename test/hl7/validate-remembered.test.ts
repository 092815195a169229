/**
 * validateMessage remembers, per field definition, the texts it checked without an issue (with
 * the delimiters they were read with), and per message structure the segment-name sequences that
 * matched it without an issue (src/hl7/validate.ts, src/hl7/structure.ts). What it remembers must
 * never hide an issue: a text read with other delimiters, a bad text among remembered good ones,
 * and a sequence that differs from a remembered one by one segment are each checked again.
 */
import { expect } from 'chai';
import { parseHl7 } from '../../src/hl7/message.js';
import { validateMessage } from '../../src/hl7/validate.js';

const found = (lines: string[]): string[] =>
  validateMessage(parseHl7(lines.join('\r')).value!).map((i) => `${i.details?.coding?.[0]?.code} @ ${i.expression?.join(',')}: ${i.diagnostics}`);

/** An ORU^R01 with these OBX; `msh2` gives the delimiters, its first character the component separator. */
const ORU = (msh2: string, obx: string[]): string[] => [
  `MSH|${msh2}|LAB|ACME|EHR|CLINIC|20240301120000-0500||ORU^R01^ORU_R01|LAB0001|P|2.5.1`,
  'PID|1||MRN001^^^CLINIC^MR||Testpatient^Alex',
  'OBR|1|ORD1||24323-8^Comprehensive metabolic panel^LN|||20240301073000-0500',
].map((l) => (l.startsWith('MSH') ? l.slice(0, 9) + l.slice(9).replaceAll('^', msh2[0]!) : l.replaceAll('^', msh2[0]!))).concat(obx);

describe('validateMessage: remembered good texts and segment sequences', () => {
  it('a text remembered as good with one component separator is checked again with another', () => {
    // OBX-14.1 of "20240301083000#X": a good DTM when '#' separates components, not when '^' does.
    const withHash = (t: string) => ORU('#~\\&', [`OBX|1|NM|2345-7#Glucose#LN||92|mg/dL|70-99|N|||F|||${t}`]);
    expect(found(withHash('20240301083000#X'))).to.deep.equal([]);
    // Another good text after it, so the one above is no longer the field's last good one.
    expect(found(withHash('20240301090000#Y'))).to.deep.equal([]);
    const withCaret = ORU('^~\\&', ['OBX|1|NM|2345-7^Glucose^LN||92|mg/dL|70-99|N|||F|||20240301083000#X']);
    expect(found(withCaret)).to.deep.equal([
      'HL7_DATATYPE @ OBX.14: OBX-14.1: "20240301083000#X" is not a DTM date/time (YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ]).',
    ]);
  });

  it('results whose texts alternate: good ones remembered, a bad one among them still reported', () => {
    const obx = (n: number, code: string, units: string, range: string, time: string) =>
      `OBX|${n}|NM|${code}^LN||1|${units}|${range}|N|||F|||${time}`;
    const good = [
      obx(1, '2345-7^Glucose', 'mg/dL', '70-99', '20240301083000-0500'),
      obx(2, '2951-2^Sodium', 'mmol/L', '135-145', '20240301083500-0500'),
      obx(3, '2345-7^Glucose', 'mg/dL', '70-99', '20240301083000-0500'),
      obx(4, '2951-2^Sodium', 'mmol/L', '135-145', '20240301083500-0500'),
    ];
    expect(found(ORU('^~\\&', good))).to.deep.equal([]);
    expect(found(ORU('^~\\&', good))).to.deep.equal([]);
    const bad = [...good.slice(0, 3), obx(4, '2951-2^Sodium', 'mmol/L', '135-145', '20240231083500-0500')];
    expect(found(ORU('^~\\&', bad))).to.deep.equal([
      'HL7_DATATYPE @ OBX[4].14: OBX-14.1: "20240231083500-0500" is not a valid date/time: day 31 out of range.',
    ]);
    // Past the memory's bound (more good texts than it holds), a bad text is still reported.
    const many = Array.from({ length: 300 }, (_, i) => obx(i + 1, '2345-7^Glucose', 'mg/dL', `${i}-${i + 10}`, '20240301083000-0500'));
    expect(found(ORU('^~\\&', many))).to.deep.equal([]);
    expect(found(ORU('^~\\&', [...many.slice(0, 299), obx(300, '2345-7^Glucose', 'mg/dL', '1-2', '2024130107')]))).to.deep.equal([
      'HL7_DATATYPE @ OBX[300].14: OBX-14.1: "2024130107" is not a valid date/time: month 13 out of range.',
    ]);
  });

  it('a segment sequence one segment away from a remembered clean one is matched again', () => {
    const adt = (extra: string[]) => [
      'MSH|^~\\&|REG|CLINIC|EHR|HOSP|20240301083000-0500||ADT^A04^ADT_A01|MSG0001|P|2.5.1',
      'EVN|A04|20240301083000-0500',
      'PID|1||MRN001^^^CLINIC^MR||Testpatient^Alex||19800215|F',
      ...extra,
      'PV1|1|O',
    ];
    expect(found(adt([]))).to.deep.equal([]);
    expect(found(adt([]))).to.deep.equal([]);
    expect(found(adt(['PID|2||MRN002^^^CLINIC^MR||Other^Pat||19800215|F']))).to.deep.equal([
      'HL7_SEGMENT_REPEAT @ PID[2]: ADT_A01: PID may occur only once here; PID[2] repeats it.',
    ]);
    // The same names in another order.
    expect(found(['MSH|^~\\&|REG|CLINIC|EHR|HOSP|20240301083000-0500||ADT^A04^ADT_A01|MSG0001|P|2.5.1', 'PID|1||MRN001^^^CLINIC^MR||Testpatient^Alex||19800215|F', 'EVN|A04|20240301083000-0500', 'PV1|1|O'])).to.not.deep.equal([]);
  });
});
