/**
 * The v2-to-FHIR IG mappings added as data (mappings/encounter.json, patient.json PID-30, the CX
 * transform): each read, written back and read again to the same resources (round trip), and
 * every resource made passes its profile.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { Encounter, Patient } from 'fhir/r4.js';
import { errorsOnly, formatIssue } from '../../src/domain/issues.js';
import { readAdt } from '../../src/flows/registration/read.js';
import { buildAdt } from '../../src/flows/registration/write.js';
import { parseHl7 } from '../../src/hl7/message.js';
import { validateResource } from '../../src/validation/index.js';

const TZ = { timezone: 'America/New_York' };
const ADT = readFileSync('examples/hl7v2/adt-a04.hl7', 'utf8');

function withSegment(text: string, name: string, seg: string): string {
  return text.split('\r').map((s) => (s.startsWith(`${name}|`) ? seg : s)).join('\r');
}
function read(text: string) {
  const r = readAdt(parseHl7(text).value!, TZ);
  expect(errorsOnly(r.issues).map(formatIssue)).to.deep.equal([]);
  return r.value!;
}
/** HL7 -> FHIR -> HL7 -> FHIR. */
function roundTrip(text: string, event = 'A04') {
  const first = read(text);
  const hl7 = buildAdt(first, { ...TZ, event, now: new Date('2024-03-01T13:30:00Z') });
  expect(errorsOnly(hl7.issues)).to.deep.equal([]);
  return { first, second: read(hl7.value!.toString()), hl7: hl7.value!.toString() };
}
const valid = (r: Encounter | Patient) => expect(errorsOnly(validateResource(r)).map(formatIssue), r.resourceType).to.deep.equal([]);

describe('mapping: PV1/PV2 -> Encounter (mappings/encounter.json)', () => {
  const PV1 = 'PV1|1|I|4EAST^401^B^COUNTY_HOSP||||1234567893^Careful^Casey^^^Dr^MD^^^^^^NPI|2222222226^Referrer^Robin^^^Dr^MD^^^^^^NPI|3333333334^Consult^Cory^^^Dr^MD^^^^^^NPI|||||7|||4444444442^Admit^Ash^^^Dr^MD^^^^^^NPI||V000123^^^SUNRISE_FP^VN|||||||||||||||||||||||||20240301083000-0500|20240303120000-0500';
  const text = withSegment(ADT, 'PV1', PV1).replace('\rGT1|', '\rPV2|||R07.9^Chest pain^I10\rGT1|');

  it('class, location, doctors (ATND/REF/CON/ADM), admit source, visit number, period, reason; referenced to the Patient; passes fd-encounter', () => {
    const r = read(text);
    const e = r.encounters![0]!;
    expect(e.class).to.deep.equal({ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: 'inpatient encounter' });
    expect(e.subject).to.deep.equal({ reference: `Patient/${r.patient.id}` });
    expect(e.identifier![0]!.value).to.equal('V000123');
    expect(e.period).to.deep.equal({ start: '2024-03-01T08:30:00-05:00', end: '2024-03-03T12:00:00-05:00' });
    expect(e.status).to.equal('arrived'); // ADT^A04 (mappings/tables/encounter-status.json)
    expect(e.participant!.map((p) => p.type![0]!.coding![0]!.code)).to.deep.equal(['ATND', 'REF', 'CON', 'ADM']);
    expect(e.participant![0]!.individual!.identifier).to.deep.equal({ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' });
    expect(e.location![0]!.location.identifier!.value).to.equal('4EAST');
    expect(e.hospitalization!.admitSource!.coding![0]!.code).to.equal('7');
    expect(e.reasonCode![0]!.coding![0]!.code).to.equal('R07.9');
    valid(e);
  });

  it('round trip: HL7 -> Encounter -> PV1/PV2 -> the same Encounter', () => {
    const { first, second, hl7 } = roundTrip(text);
    expect(hl7).to.contain('\rPV2|');
    expect(second.encounters).to.deep.equal(first.encounters);
  });

  it('the same visit number gives the same Encounter id; a person-level event (PV1-2 N) makes no Encounter', () => {
    expect(read(text).encounters![0]!.id).to.equal(read(text.replace('|20240303120000-0500', '|')).encounters![0]!.id);
    expect(read(withSegment(ADT, 'PV1', 'PV1|1|N')).encounters).to.equal(undefined);
  });

  it('an unknown PV1-2 class: the visit is left out with a warning naming PV1.2; the patient stays', () => {
    const r = readAdt(parseHl7(withSegment(ADT, 'PV1', 'PV1|1|ff|yyy')).value!, TZ);
    expect(errorsOnly(r.issues)).to.deep.equal([]);
    expect(r.issues.find((i) => i.expression?.[0] === 'PV1.2')!.severity).to.equal('warning');
    expect(r.value!.encounters).to.equal(undefined);
    expect(r.value!.patient.id).to.be.a('string');
  });
});

describe('mapping: PID identifiers and death (CX-7/8, CX-5 outside table 0203, PID-29/30)', () => {
  it('CX-7/8 -> identifier.period, and back', () => {
    const text = ADT.replace('MRN00012345^^^SUNRISE_FP^MR~', 'MRN00012345^^^SUNRISE_FP^MR^^20200101^20301231~');
    const { first, second, hl7 } = roundTrip(text);
    expect(first.patient.identifier![0]!.period).to.deep.equal({ start: '2020-01-01', end: '2030-12-31' });
    expect(hl7).to.contain('MRN00012345^^^SUNRISE_FP^MR^^20200101^20301231');
    expect(second.patient.identifier).to.deep.equal(first.patient.identifier);
    valid(first.patient);
  });

  it('a CX-5 type outside table 0203 is kept as text, never under the v2-0203 system; and written back', () => {
    const text = ADT.replace('MRN00012345^^^SUNRISE_FP^MR~', 'MRN00012345^^^SUNRISE_FP^MRN~');
    const { first, second, hl7 } = roundTrip(text);
    expect(first.patient.identifier![0]!.type).to.deep.equal({ text: 'MRN' });
    expect(JSON.stringify(first.patient)).to.not.match(/v2-0203","code":"MRN"/);
    expect(hl7).to.contain('MRN00012345^^^SUNRISE_FP^MRN');
    expect(second.patient.identifier).to.deep.equal(first.patient.identifier);
    // A table-0203 code keeps its coding.
    expect(read(ADT).patient.identifier![0]!.type).to.deep.equal({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] });
  });

  const pid = (text: string, n: number, v: string) => text.replace(/PID\|[^\r]*/, (seg) => {
    const f = seg.split('|');
    while (f.length <= n) f.push('');
    f[n] = v;
    return f.join('|');
  });

  it('PID-30 Y -> deceasedBoolean true, N -> false; with PID-29 the date wins; both written back', () => {
    expect(read(pid(ADT, 30, 'Y')).patient.deceasedBoolean).to.equal(true);
    expect(read(pid(ADT, 30, 'N')).patient.deceasedBoolean).to.equal(false);
    const both = pid(pid(ADT, 29, '20240201103000-0500'), 30, 'Y');
    const { first, second, hl7 } = roundTrip(both);
    expect(first.patient.deceasedDateTime).to.equal('2024-02-01T10:30:00-05:00');
    expect(first.patient.deceasedBoolean).to.equal(undefined);
    expect(hl7).to.match(/\|20240201103000-0500\|Y(\||\r)/);
    expect([second.patient.deceasedDateTime, second.patient.deceasedBoolean]).to.deep.equal([first.patient.deceasedDateTime, undefined]);
    const yes = roundTrip(pid(ADT, 30, 'Y'));
    expect(yes.second.patient.deceasedBoolean).to.equal(true);
    valid(first.patient);
  });

  it('PID-30 "NO" (a spelled-out answer) -> false with a warning naming PID.30; an unknown answer is left out with a warning', () => {
    const r = readAdt(parseHl7(pid(ADT, 30, 'NO')).value!, TZ);
    expect(r.value!.patient.deceasedBoolean).to.equal(false);
    expect(r.issues.find((i) => i.expression?.[0] === 'PID.30')!.severity).to.equal('warning');
    const q = readAdt(parseHl7(pid(ADT, 30, 'Q')).value!, TZ);
    expect(q.value!.patient.deceasedBoolean).to.equal(undefined);
    expect(q.issues.find((i) => i.expression?.[0] === 'PID.30')!.severity).to.equal('warning');
  });
});
