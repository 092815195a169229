import { expect } from 'chai';
import fc from 'fast-check';
import { obxValue } from '../../../src/flows/labs/values.js';
import { convert, errors, observations, parse, reports } from '../../support/labs.js';

const HL7_LOCATION = /^(MSH|PID|PV1|ORC|OBR|OBX|SPM|NTE)(\[\d+\])?(\.\d+)*$/;
const piece = fc.constantFrom('', '^', '~', '&', '\\', '-', '.', '<', '>', ':', '+', '=', '1', '12.5', 'abc', 'NM', 'SN', 'CWE', 'ED', 'Base64', '20240301', 'mg/dL', ' ');
const field = fc.array(piece, { maxLength: 6 }).map((a) => a.join(''));

describe('labs: robustness (fast-check): bad data gives issues at a field, never an exception', () => {
  it('obxValue on any OBX-2/5/6/7 (1,000 runs)', () => {
    fc.assert(fc.property(fc.constantFrom('NM', 'SN', 'CWE', 'CE', 'ST', 'TX', 'FT', 'DT', 'DTM', 'TS', 'TM', 'ED', 'RP', 'XCN', 'ZZ', ''), field, field, field, (type, v, unit, range) => {
      const m = parse(`MSH|^~\\&|A|B|C|D|20240101||ORU^R01|1|P|2.5.1\rOBX|1|${type}|X^x^LN||${v}|${unit}|${range}\r`);
      const r = obxValue(m, m.segment('OBX')!, 'UTC');
      for (const i of r.issues) expect(i.expression?.[0]).to.match(HL7_LOCATION);
      expect(r.value.member === undefined || Object.keys(r.value.member).length === 1).to.equal(true);
    }), { numRuns: 1000 });
  });

  it('whole messages with random OBX/OBR fields always convert, every error placed at a field (200 runs)', () => {
    fc.assert(fc.property(field, field, field, field, field, (v, status, flag, obrStatus, date) => {
      const text = [
        'MSH|^~\\&|ACMELAB|ACME|FRONTDESK|SFP|20240301163000-0500||ORU^R01|R1|P|2.5.1',
        'PID|1||MRN4711^^^FRONTDESK^MR||Sample^Robin||19850412|F',
        `OBR|1|ORD1^FDORDERS|LAB1^ACMELAB|2345-7^Glucose^LN|||${date}|||||||||||||||20240301163000-0500|||${obrStatus}`,
        `OBX|1|NM|2345-7^Glucose^LN||${v}|mg/dL||${flag}|||${status}`,
        'OBX|2|NM|2951-2^Sodium^LN||139|mmol/L|135-145|N|||F',
      ].join('\r');
      const out = convert(text);
      expect(reports(out.bundle)).to.have.length(1);
      expect(observations(out.bundle)).to.have.length(2);
      for (const e of errors(out.issues)) expect(e.expression?.[0], e.diagnostics).to.match(HL7_LOCATION);
    }), { numRuns: 200 });
  });
});

describe('labs: several patients in one message (repeating PATIENT_RESULT)', () => {
  it('files each order under its own patient', () => {
    const out = convert([
      'MSH|^~\\&|ACMELAB|ACME|FRONTDESK|SFP|20240301163000-0500||ORU^R01|R2|P|2.5.1',
      'PID|1||MRN1^^^FRONTDESK^MR||Sample^Robin||19850412|F',
      'OBR|1|ORD1^FDORDERS|LAB1^ACMELAB|2345-7^Glucose^LN|||20240301081500-0500|||||||||||||||20240301163000-0500|||F',
      'OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|70-99|N|||F',
      'PID|2||MRN2^^^FRONTDESK^MR||Example^Alex||19700101|M',
      'OBR|1|ORD2^FDORDERS|LAB2^ACMELAB|2345-7^Glucose^LN|||20240301081500-0500|||||||||||||||20240301163000-0500|||F',
      'OBX|1|NM|2345-7^Glucose^LN||250|mg/dL|70-99|HH|||F',
    ].join('\r'));
    const patients = out.bundle.entry!.filter((e) => e.resource?.resourceType === 'Patient');
    expect(patients).to.have.length(2);
    const [a, b] = observations(out.bundle);
    expect(a!.subject?.reference).to.equal(patients[0]!.fullUrl);
    expect(b!.subject?.reference).to.equal(patients[1]!.fullUrl);
    expect(out.office.map((r) => [r.patientIdentifier, r.abnormalFlag])).to.deep.equal([['MRN1', 'normal'], ['MRN2', 'critical']]);
    expect(errors(out.issues)).to.deep.equal([]);
  });

  it('one Patient entry when the same patient repeats; the identifier query is escaped', () => {
    const pid = 'PID|1||A&B 7^^^FRONTDESK^MR||Sample^Robin||19850412|F';
    const obr = 'OBR|1|ORD1^FDORDERS|LAB1^ACMELAB|2345-7^Glucose^LN|||20240301081500-0500|||||||||||||||20240301163000-0500|||F';
    const out = convert(['MSH|^~\\&|ACMELAB|ACME|FRONTDESK|SFP|20240301163000-0500||ORU^R01|R3|P|2.5.1',
      pid.replace('A&B 7', 'A\\T\\B 7'), obr, 'OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|||||F',
      pid.replace('A&B 7', 'A\\T\\B 7'), obr.replace(/LAB1/, 'LAB2'), 'OBX|1|NM|2345-7^Glucose^LN||96|mg/dL|||||F'].join('\r'));
    const patients = out.bundle.entry!.filter((e) => e.resource?.resourceType === 'Patient');
    expect(patients).to.have.length(1);
    expect(patients[0]!.request?.ifNoneExist).to.equal('identifier=http://frontdesk.example.org/fhir/sid/mrn|A%26B%207');
    expect(reports(out.bundle)).to.have.length(2);
    expect(errors(out.issues)).to.deep.equal([]);
  });
});
