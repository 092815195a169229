import { expect } from 'chai';
import { parseHl7, buildSegment } from '../../src/hl7/message.js';
import { readSegment, writeSegment, type SegmentMap } from '../../src/mapping/engine.js';
import { errorCodeOf } from '../../src/domain/issues.js';
import { hl7ToFhirDateTime, fhirToHl7DateTime, zoneOffset } from '../../src/mapping/datetime.js';
import { deterministicId } from '../../src/fhir/ids.js';

const PID_MAP: SegmentMap = {
  segment: 'PID',
  target: 'Patient',
  fields: [
    { field: 3, path: 'identifier[]', type: 'CX', repeat: true, required: true },
    { field: 5, path: 'name[]', type: 'XPN', repeat: true },
    { field: 7, path: 'birthDate', type: 'DT' },
    { field: 8, path: 'gender', type: 'ID', table: '0001' },
    { field: 11, path: 'address[]', type: 'XAD', repeat: true },
    { field: 13, path: 'telecom[]', type: 'XTN', repeat: true, params: { use: 'home' }, match: { use: 'home' } },
    { field: 14, path: 'telecom[]', type: 'XTN', repeat: true, params: { use: 'work' }, match: { use: 'work' } },
  ],
};

const MSG = 'MSH|^~\\&|A|B|C|D|20240101||ADT^A04|1|P|2.5.1\rPID|1||MRN42^^^FRONTDESK^MR~123-45-6789^^^SSA^SS||Sample^Robin^Lee^Jr^^^L||19900412|F|||12 Elm St^Apt 3^Springfield^IL^62701^USA^H||555-0100^PRN^PH~robin@example.org^NET^Internet^robin@example.org|555-0199^WPN^PH\r';

describe('mapping/engine: declarative segment maps', () => {
  const msg = parseHl7(MSG).value!;
  const pid = msg.segment('PID')!;

  it('reads a segment into a FHIR-shaped object through named datatypes and code tables', () => {
    const { value, issues } = readSegment(msg, pid, PID_MAP, { timezone: 'UTC' });
    expect(issues).to.deep.equal([]);
    expect(value).to.deep.equal({
      identifier: [
        { system: 'http://frontdesk.example.org/fhir/sid/mrn', value: 'MRN42', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] } },
        { system: 'http://hl7.org/fhir/sid/us-ssn', value: '123-45-6789', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'SS' }] } },
      ],
      name: [{ use: 'official', family: 'Sample', given: ['Robin', 'Lee'], suffix: ['Jr'] }],
      birthDate: '1990-04-12',
      gender: 'female',
      address: [{ use: 'home', line: ['12 Elm St', 'Apt 3'], city: 'Springfield', state: 'IL', postalCode: '62701', country: 'USA' }],
      telecom: [
        { system: 'phone', value: '555-0100', use: 'home' },
        { system: 'email', value: 'robin@example.org', use: 'home' },
        { system: 'phone', value: '555-0199', use: 'work' },
      ],
    });
  });

  it('writes the object back to the same field values', () => {
    const obj = readSegment(msg, pid, PID_MAP, { timezone: 'UTC' }).value!;
    const seg = buildSegment('PID', { 1: '1', ...writeSegment(obj, PID_MAP, { timezone: 'UTC' }) });
    const again = readSegment(msg, seg, PID_MAP, { timezone: 'UTC' }).value!;
    expect(again).to.deep.equal(obj);
    expect(seg.get(3, 4)).to.equal('FRONTDESK');
    expect(seg.get(8)).to.equal('F');
  });

  it('names the field on unknown codes, bad dates and missing required fields', () => {
    const bad = parseHl7('MSH|^~\\&|A\rPID|1||||Doe^J||1990-13-45|Q').value!;
    const { issues } = readSegment(bad, bad.segment('PID')!, PID_MAP, { timezone: 'UTC' });
    const got = issues.map((i) => [errorCodeOf(i), i.expression?.[0]]);
    expect(got).to.deep.include(['MAP_MISSING', 'PID.3']);
    expect(got).to.deep.include(['MAP_INVALID_DATE', 'PID.7']);
    expect(got).to.deep.include(['MAP_UNKNOWN_CODE', 'PID.8']);
  });
});

describe('mapping/datetime and ids', () => {
  it('keeps the sender offset and assumes the practice timezone otherwise, saying so', () => {
    expect(hl7ToFhirDateTime('202403010830-0500', 'SCH.11').value).to.equal('2024-03-01T08:30:00-05:00');
    const r = hl7ToFhirDateTime('20240701083000', 'TQ1.7', 'America/Chicago');
    expect(r.value).to.equal('2024-07-01T08:30:00-05:00');
    expect(r.issues[0]!.severity).to.equal('information');
    expect(errorCodeOf(r.issues[0]!)).to.equal('MAP_TIMEZONE_ASSUMED');
    expect(fhirToHl7DateTime('2024-03-01T08:30:00-05:00')).to.equal('20240301083000-0500');
    expect(zoneOffset(2024, 1, 15, 12, 0, 'America/New_York')).to.equal('-0500');
    expect(hl7ToFhirDateTime('20240230', 'PID.7').value).to.equal(undefined);
  });

  it('derives the same id from the same identity, different ids otherwise', () => {
    expect(deterministicId('Patient', 'sys', 'A1')).to.equal(deterministicId('Patient', 'sys', 'A1'));
    expect(deterministicId('Patient', 'sys', 'A1')).to.not.equal(deterministicId('Patient', 'sys', 'A2'));
    expect(deterministicId('Patient', 'sys', 'A1')).to.match(/^patient-[0-9a-f]{32}$/);
  });
});
