import { expect } from 'chai';
import { parseHl7 } from '../../src/hl7/message.js';
import { readSegment, writeSegment, type SegmentMap } from '../../src/mapping/engine.js';

// CWE-3 (table 0396): HL7nnnn names a real HL7 table; 99zzz and L are local tables and must keep
// their own system (v2-to-FHIR IG), never be labelled as an HL7 table. Both triplets (CWE.1-3, 4-6).
const OBX_MAP: SegmentMap = { segment: 'OBX', target: 'Observation', fields: [{ field: 5, path: 'code', type: 'CWE' }] };

function read(cwe: string) {
  const msg = parseHl7(`MSH|^~\\&|A|B|C|D|20240101||ORU^R01|1|P|2.5.1\rOBX|1|CWE|||${cwe}\r`).value!;
  return readSegment(msg, msg.segment('OBX')!, OBX_MAP, { timezone: 'UTC' });
}

describe('mapping/datatypes CWE: local coding systems (CWE-3 99zzz)', () => {
  it('keeps a 99LOCAL code under its own local system, not a terminology.hl7.org one', () => {
    const { value, issues } = read('FU30^Follow-up 30 min^99LOCAL');
    expect(issues).to.deep.equal([]);
    expect(value).to.deep.equal({ code: { coding: [{ system: 'urn:frontdesk:cs:99LOCAL', code: 'FU30', display: 'Follow-up 30 min' }] } });
  });

  it('maps a real HL7 table to its terminology.hl7.org system and writes it back as HL7nnnn', () => {
    const { value } = read('ROUTINE^Routine^HL70276');
    const cc = (value as { code: { coding: { system: string }[] } }).code;
    expect(cc.coding[0]!.system).to.equal('http://terminology.hl7.org/CodeSystem/v2-0276');
    expect(writeSegment(value as Record<string, unknown>, OBX_MAP, { timezone: 'UTC' })[5]).to.deep.include.members(['ROUTINE', 'Routine', 'HL70276']);
  });

  it('round-trips a local code in both triplets: CWE.3 and CWE.6 come back as sent', () => {
    const sent = 'FU30^Follow-up 30 min^99LOCAL^R51.9^Headache^I10';
    const { value } = read(sent);
    expect((value as { code: { coding: { system?: string }[] } }).code.coding.map((c) => c.system)).to.deep.equal(['urn:frontdesk:cs:99LOCAL', 'http://hl7.org/fhir/sid/icd-10-cm']);
    const back = writeSegment(value as Record<string, unknown>, OBX_MAP, { timezone: 'UTC' })[5] as (string | undefined)[];
    expect(back.slice(0, 6)).to.deep.equal(['FU30', 'Follow-up 30 min', '99LOCAL', 'R51.9', 'Headache', 'I10']);
    const swapped = read('R51.9^Headache^I10^FU30^Follow-up 30 min^99CLINIC').value as Record<string, unknown>;
    const back2 = writeSegment(swapped, OBX_MAP, { timezone: 'UTC' })[5] as (string | undefined)[];
    expect(back2.slice(3, 6)).to.deep.equal(['FU30', 'Follow-up 30 min', '99CLINIC']);
  });
});
