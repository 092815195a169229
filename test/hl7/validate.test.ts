import { expect } from 'chai';
import fc from 'fast-check';
import { parseHl7 } from '../../src/hl7/message.js';
import { validateMessage } from '../../src/hl7/validate.js';
import { errorCodeOf, type Issue } from '../../src/domain/issues.js';

// A valid ADT^A04 (v2.5.1, synthetic patient); each case changes one thing.
const ADT = [
  'MSH|^~\\&|REG|CLINIC|EHR|HOSP|20240301083000-0500||ADT^A04^ADT_A01|MSG0001|P|2.5.1',
  'EVN|A04|20240301083000-0500',
  'PID|1||MRN001^^^CLINIC^MR~999-00-1234^^^SSA^SS||Testpatient^Alex^Q||19800215|F',
  'PV1|1|O',
  'ZPI|custom|data',
];

const ORU = [
  'MSH|^~\\&|LAB|ACME|EHR|CLINIC|20240301120000-0500||ORU^R01^ORU_R01|LAB0001|P|2.5.1',
  'PID|1||MRN001^^^CLINIC^MR||Testpatient^Alex',
  'OBR|1|ORD1||24323-8^Comprehensive metabolic panel^LN|||20240301073000-0500',
  'OBX|1|NM|2345-7^Glucose^LN||92|mg/dL|70-99|N|||F',
  'OBX|2|NM|2160-0^Creatinine^LN||0.9|mg/dL|0.6-1.2|N|||F',
  'OBX|3|NM|2951-2^Sodium^LN||140|mmol/L|135-145|N|||F',
];

const SIU = [
  'MSH|^~\\&|SCHED|CLINIC|EHR|HOSP|20240301083000-0500||SIU^S12^SIU_S12|SIU0001|P|2.5.1',
  'SCH|APT1^CLINIC|F1^EHR||||NEW^New appointment^L|||30|min|^^30^20240315090000-0500|||||FD1^Desk^Fran||||FD1^Desk^Fran|||||Booked',
  'PID|1||MRN001^^^CLINIC^MR||Testpatient^Alex',
  'RGS|1|A',
  'AIS|1|A|99213^Office visit^CPT',
];

function run(lines: string[]): Issue[] {
  const r = parseHl7(lines.join('\r'));
  expect(r.issues, 'parse issues').to.deep.equal([]);
  return validateMessage(r.value!);
}

/** Error-level issues as "CODE @ location". */
function errors(lines: string[]): string[] {
  return run(lines).filter((i) => i.severity === 'error').map((i) => `${errorCodeOf(i)} @ ${i.expression?.[0]}`);
}

const edit = (lines: string[], i: number, line: string | null): string[] => {
  const out = [...lines];
  if (line === null) out.splice(i, 1);
  else out[i] = line;
  return out;
};

describe('hl7/validate: message profiles', () => {
  it('accepts a conforming ADT^A04, ORU^R01 and SIU^S12 (Z-segments allowed)', () => {
    expect(run(ADT)).to.deep.equal([]);
    expect(run(ORU)).to.deep.equal([]);
    expect(run(SIU)).to.deep.equal([]);
  });

  it('missing PID -> HL7_SEGMENT_MISSING at PID', () => {
    expect(errors(edit(ADT, 2, null))).to.deep.equal(['HL7_SEGMENT_MISSING @ PID']);
  });

  it('missing PID-3 -> HL7_FIELD_REQUIRED at PID.3', () => {
    expect(errors(edit(ADT, 2, 'PID|1||||Testpatient^Alex^Q||19800215|F'))).to.deep.equal(['HL7_FIELD_REQUIRED @ PID.3']);
  });

  it('PID-7 not a date -> HL7_DATATYPE at PID.7', () => {
    expect(errors(edit(ADT, 2, ADT[2]!.replace('19800215', '1980-02-15')))).to.deep.equal(['HL7_DATATYPE @ PID.7']);
    expect(errors(edit(ADT, 2, ADT[2]!.replace('19800215', '19800230')))).to.deep.equal(['HL7_DATATYPE @ PID.7']);
    expect(errors(edit(ADT, 1, 'EVN|A04|20240301083000-9900'))).to.deep.equal(['HL7_DATATYPE @ EVN.2']);
  });

  it('keeps date/times with a negative UTC offset, seconds fractions and reduced precision valid', () => {
    for (const ts of ['2024', '202403', '20240301', '2024030108', '20240301083000.1234-0500', '20240301083000+1400']) {
      expect(errors(edit(ADT, 1, `EVN|A04|${ts}`)), ts).to.deep.equal([]);
    }
  });

  it('unknown sex code (table 0001) -> HL7_TABLE_VALUE at PID.8', () => {
    expect(errors(edit(ADT, 2, ADT[2]!.replace('|F', '|Q')))).to.deep.equal(['HL7_TABLE_VALUE @ PID.8']);
  });

  it('a non-repeating segment repeated -> HL7_SEGMENT_REPEAT at PID[2]', () => {
    expect(errors([...ADT.slice(0, 3), ADT[2]!, ...ADT.slice(3)])).to.deep.equal(['HL7_SEGMENT_REPEAT @ PID[2]']);
  });

  it('a non-repeating field repeated -> HL7_FIELD_REPEAT at PID.7', () => {
    expect(errors(edit(ADT, 2, ADT[2]!.replace('19800215', '19800215~19800216')))).to.deep.equal(['HL7_FIELD_REPEAT @ PID.7']);
  });

  it('a segment the structure does not have -> HL7_SEGMENT_UNEXPECTED', () => {
    expect(errors([...ADT, 'OBR|1|||24323-8^Panel^LN'])).to.deep.equal(['HL7_SEGMENT_UNEXPECTED @ OBR']);
  });

  it('a segment out of order -> HL7_SEGMENT_UNEXPECTED (and the slot it left is missing)', () => {
    expect(errors([ADT[0]!, ADT[1]!, ADT[3]!, ADT[2]!])).to.deep.equal(['HL7_SEGMENT_UNEXPECTED @ PID', 'HL7_SEGMENT_MISSING @ PID']);
  });

  it('wrong version -> HL7_VERSION at MSH.12', () => {
    expect(errors(edit(ADT, 0, ADT[0]!.replace('|2.5.1', '|2.2')))).to.deep.equal(['HL7_VERSION @ MSH.12']);
    expect(errors(edit(ADT, 0, ADT[0]!.replace('|2.5.1', '|3.0')))).to.deep.equal(['HL7_VERSION @ MSH.12', 'HL7_TABLE_VALUE @ MSH.12.1']);
    expect(errors(edit(ADT, 0, ADT[0]!.replace('|2.5.1', '|')))).to.deep.equal(['HL7_VERSION @ MSH.12', 'HL7_FIELD_REQUIRED @ MSH.12']);
  });

  it('a message type the gateway does not handle -> HL7_MESSAGE_TYPE at MSH.9', () => {
    expect(errors(edit(ADT, 0, ADT[0]!.replace('ADT^A04^ADT_A01', 'ADT^A29^ADT_A21')))).to.deep.equal(['HL7_MESSAGE_TYPE @ MSH.9']);
    expect(errors(edit(ADT, 0, ADT[0]!.replace('ADT^A04^ADT_A01', 'ADT^A99')))).to.deep.equal(['HL7_MESSAGE_TYPE @ MSH.9', 'HL7_TABLE_VALUE @ MSH.9.2']);
  });

  it('reads the structure from the event when MSH-9.3 is absent (ADT^A08 -> ADT_A01, ADT^A40 -> ADT_A39)', () => {
    expect(errors(edit(ADT, 0, ADT[0]!.replace('ADT^A04^ADT_A01', 'ADT^A08')))).to.deep.equal([]);
    const merge = [ADT[0]!.replace('ADT^A04^ADT_A01', 'ADT^A40'), 'EVN|A40|20240301083000-0500', ADT[2]!, 'MRG|OLD001^^^CLINIC^MR'];
    expect(errors(merge)).to.deep.equal([]);
    expect(errors(merge.slice(0, 3))).to.deep.equal(['HL7_SEGMENT_MISSING @ MRG']);
  });

  it('OBX-5 follows OBX-2: a non-number NM value -> HL7_DATATYPE at OBX[3].5', () => {
    expect(errors(edit(ORU, 5, ORU[5]!.replace('|140|', '|high|')))).to.deep.equal(['HL7_DATATYPE @ OBX[3].5']);
    expect(errors(edit(ORU, 3, ORU[3]!.replace('OBX|1|', 'OBX|x|')))).to.deep.equal(['HL7_DATATYPE @ OBX[1].1']);
    expect(errors(edit(ORU, 4, ORU[4]!.replace('|F', '|Q')))).to.deep.equal(['HL7_TABLE_VALUE @ OBX[2].11']);
  });

  it('OBX-5 repetitions are each checked against OBX-2, the diagnostics naming the repetition only when it repeats', () => {
    const diag = (lines: string[]) => run(lines).filter((i) => errorCodeOf(i) === 'HL7_DATATYPE').map((i) => `${i.expression?.[0]} ${i.diagnostics}`);
    const one = diag(edit(ORU, 5, ORU[5]!.replace('|140|', '|high|')));
    expect(one).to.have.length(1);
    expect(one[0]).to.match(/^OBX\[3\]\.5 OBX-5 \(OBX-2 value type NM\): /);
    const two = diag(edit(ORU, 5, ORU[5]!.replace('|140|', '|140~high~7~x|')));
    expect(two).to.have.length(2);
    expect(two[0]).to.match(/^OBX\[3\]\.5 OBX-5 \(repetition 2\) \(OBX-2 value type NM\): /);
    expect(two[1]).to.match(/^OBX\[3\]\.5 OBX-5 \(repetition 4\) \(OBX-2 value type NM\): /);
  });

  it('a field whose text was last checked clean is clean again only with the same delimiters; other text is checked', () => {
    // EVN-2 (TS): with ^ as the component separator TS.1 is the time alone; with # it is all of it.
    const evn = 'EVN|A04|20240301083000-0500^X';
    expect(errors(edit(ADT, 1, evn))).to.deep.equal([]);
    expect(errors(edit(ADT, 1, evn))).to.deep.equal([]);
    const hash = edit(edit(ADT, 0, ADT[0]!.replace('|^~\\&|', '|#~\\&|').replace('ADT^A04^ADT_A01', 'ADT#A04#ADT_A01')), 1, evn);
    expect(errors(hash)).to.include('HL7_DATATYPE @ EVN.2');
    expect(errors(edit(ADT, 1, evn))).to.deep.equal([]);
    // The same field, clean, then not, then clean: each text decides for itself.
    expect(errors(edit(ADT, 2, ADT[2]!.replace('|F', '|Q')))).to.deep.equal(['HL7_TABLE_VALUE @ PID.8']);
    expect(errors(ADT)).to.deep.equal([]);
    expect(errors(edit(ADT, 2, ADT[2]!.replace('|F', '|Q')))).to.deep.equal(['HL7_TABLE_VALUE @ PID.8']);
  });

  it('ORU without OBR -> HL7_SEGMENT_MISSING at OBR; OBX before OBR is out of place', () => {
    expect(errors(ORU.filter((l) => !l.startsWith('OBR')))).to.include('HL7_SEGMENT_MISSING @ OBR');
    const swapped = [ORU[0]!, ORU[1]!, ORU[3]!, ORU[2]!, ...ORU.slice(4)];
    expect(errors(swapped)).to.deep.equal(['HL7_SEGMENT_UNEXPECTED @ OBX[1]']);
  });

  it('SIU without the RESOURCES group -> HL7_SEGMENT_MISSING at RGS; SCH-25 against table 0278', () => {
    expect(errors(SIU.slice(0, 3))).to.deep.equal(['HL7_SEGMENT_MISSING @ RGS']);
    expect(errors(edit(SIU, 1, SIU[1]!.replace('|Booked', '|Maybe')))).to.deep.equal(['HL7_TABLE_VALUE @ SCH.25.1']);
  });

  it('too long a value is a warning (HL7_FIELD_LENGTH), not an error', () => {
    const issues = run(edit(ADT, 2, ADT[2]!.replace('|F', '|FF')));
    expect(issues.map((i) => `${i.severity} ${errorCodeOf(i)} @ ${i.expression?.[0]}`)).to.deep.equal([
      'warning HL7_FIELD_LENGTH @ PID.8', 'error HL7_TABLE_VALUE @ PID.8',
    ]);
  });

  it('accepts the HL7 explicit null "" in any field', () => {
    expect(errors(edit(ADT, 2, ADT[2]!.replace('19800215|F', '""|""')))).to.deep.equal([]);
  });

  it('never throws, whatever follows a valid MSH', () => {
    fc.assert(fc.property(fc.array(fc.string({ unit: fc.constantFrom('A', 'P', 'I', 'D', 'O', 'B', 'X', 'Z', '1', '|', '^', '~', '&', '\\', '\r', '\n', ' ', '"') })), (parts) => {
      const r = parseHl7(ADT[0] + '\r' + parts.join(''));
      expect(() => validateMessage(r.value!)).not.to.throw();
    }), { numRuns: 300 });
  });
});
