import { expect } from 'chai';
import { buildAck } from '../../../src/hl7/ack.js';
import { errorAt, convert, observations, parse, reports } from '../../support/labs.js';

const MSH = 'MSH|^~\\&|ACMELAB|ACME Reference Lab|FRONTDESK|SFP|20240301163000-0500||ORU^R01^ORU_R01|BAD-1|P|2.5.1';
const PID = 'PID|1||MRN4711^^^FRONTDESK^MR||Sample^Robin||19850412|F';
const OBR = 'OBR|1|ORD1^FDORDERS|LAB1^ACMELAB|2345-7^Glucose^LN|||20240301081500-0500|||||||||||||||20240301163000-0500|||F';
const GOOD = 'OBX|1|NM|2951-2^Sodium^LN||139|mmol/L^mmol/L^UCUM|135-145|N|||F';
const msg = (...segs: string[]) => [MSH, PID, ...segs].join('\r') + '\r';

describe('labs: bad input is reported at the field, never dropped silently', () => {
  it('OBX-2 missing while OBX-5 holds a value: error at OBX[2].2, value kept as text', () => {
    const out = convert(msg(OBR, GOOD, 'OBX|2||2345-7^Glucose^LN||182|mg/dL|||||F'));
    expect(errorAt(out.issues)).to.deep.equal([['MAP_MISSING', 'OBX[2].2']]);
    const glucose = observations(out.bundle)[1]!;
    expect(glucose.valueString).to.equal('182');
  });

  it('NM value that is not a number: error at OBX[2].5, the Observation says why it has no value', () => {
    const out = convert(msg(OBR, GOOD, 'OBX|2|NM|2345-7^Glucose^LN||1O2|mg/dL|||||F'));
    expect(errorAt(out.issues)).to.deep.equal([['HL7_DATATYPE', 'OBX[2].5']]);
    const glucose = observations(out.bundle)[1]!;
    expect(glucose.valueQuantity).to.equal(undefined);
    expect(glucose.dataAbsentReason?.coding?.[0]?.code).to.equal('error');
    expect(reports(out.bundle)[0]!.result).to.have.length(2);
  });

  it('unknown OBX-11: error at OBX[2].11, status unknown', () => {
    const out = convert(msg(OBR, GOOD, 'OBX|2|NM|2345-7^Glucose^LN||182|mg/dL|||||Q'));
    expect(errorAt(out.issues)).to.deep.equal([['MAP_UNKNOWN_CODE', 'OBX[2].11']]);
    expect(observations(out.bundle)[1]!.status).to.equal('unknown');
  });

  it('an OBX before any OBR: error at that OBX; the rest converts', () => {
    const out = convert(msg('OBX|1|NM|2345-7^Glucose^LN||182|mg/dL|||||F', OBR, GOOD));
    expect(errorAt(out.issues)).to.deep.equal([['HL7_SEGMENT_UNEXPECTED', 'OBX[1]']]);
    expect(observations(out.bundle).map((o) => o.code.coding?.[0]?.code)).to.deep.equal(['2951-2']);
  });

  it('unknown abnormal flag, bad SN, bad date: each at its field', () => {
    const out = convert(msg(OBR,
      'OBX|1|NM|2951-2^Sodium^LN||139|mmol/L|135-145|ZZ|||F',
      'OBX|2|SN|2345-7^Glucose^LN||>^abc|mg/dL|||||F',
      'OBX|3|NM|2345-7^Glucose^LN||100|mg/dL|||||F|||20241399'));
    expect(errorAt(out.issues)).to.deep.equal([
      ['MAP_UNKNOWN_CODE', 'OBX[1].8'],
      ['HL7_DATATYPE', 'OBX[2].5'],
      ['MAP_INVALID_DATE', 'OBX[3].14'],
    ]);
  });

  it('unknown OBR-25 and a missing OBR-4 are errors at the OBR field', () => {
    const out = convert(msg('OBR|1|ORD1^FDORDERS|LAB1^ACMELAB||||20240301081500-0500|||||||||||||||20240301163000-0500|||Q', GOOD));
    const got = errorAt(out.issues);
    expect(got).to.deep.include(['MAP_MISSING', 'OBR.4']);
    expect(got).to.deep.include(['MAP_UNKNOWN_CODE', 'OBR.25']);
  });

  it('an unknown value type (OBX-2) keeps the value as text with an error at OBX.2 (a single OBX has no index)', () => {
    const out = convert(msg(OBR, 'OBX|1|XYZ|2345-7^Glucose^LN||182|mg/dL|||||F'));
    expect(errorAt(out.issues)).to.deep.equal([['HL7_TABLE_VALUE', 'OBX.2']]);
    expect(observations(out.bundle)[0]!.valueString).to.equal('182');
  });

  it('a message without OBR or PID says so', () => {
    const noObr = convert(msg());
    expect(errorAt(noObr.issues)).to.deep.equal([['HL7_SEGMENT_MISSING', 'OBR']]);
    const noPid = convert([MSH, OBR, GOOD].join('\r'));
    expect(errorAt(noPid.issues)).to.deep.include(['HL7_SEGMENT_MISSING', 'PID']);
  });

  it('a profile violation is placed at the HL7 field it came from, then at its FHIRPath', () => {
    // No collection time anywhere (OBR-7, OBR-8, SPM-17, OBX-14): both resources lack effective[x].
    const out = convert(msg('OBR|1|ORD1^FDORDERS|LAB1^ACMELAB|2345-7^Glucose^LN||||||||||||||||||20240301163000-0500|||F', 'OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|||||F'));
    const errs = out.issues.filter((i) => i.severity === 'error');
    expect(errs.map((i) => i.expression?.[0])).to.deep.equal(['OBX.14', 'OBR.7']);
    expect(errs[0]!.expression?.[1]).to.match(/^Bundle\.entry\[1\]\.resource\.effective/);
  });

  it('the issues are ready for the ACK: ERR-2 names the OBX field', () => {
    const text = msg(OBR, GOOD, 'OBX|2|NM|2345-7^Glucose^LN||1O2|mg/dL|||||F');
    const out = convert(text);
    const ack = buildAck(parse(text), { code: 'AE', issues: out.issues.filter((i) => i.severity === 'error') });
    const err = ack.segment('ERR')!;
    expect(err.get(2, 1)).to.equal('OBX');
    expect(err.get(2, 2)).to.equal('2');
    expect(err.get(2, 3)).to.equal('5');
  });
});
