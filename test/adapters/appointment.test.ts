import { expect } from 'chai';
import fc from 'fast-check';
import type { Appointment } from 'fhir/r4.js';
import { appointmentFromFhir, appointmentToFhir, NPI_SYSTEM, OFFICE_APPOINTMENT_SYSTEM, type OfficeAppointment } from '../../src/adapters/appointment.js';
import { addMinutes, minutesBetween } from '../../src/adapters/appointment-time.js';
import { eventRule, fhirStatusOfOffice, officeStatusOfFhir, outboundEvent, statusTable } from '../../src/adapters/appointment-status.js';
import { validateOfficeRecord } from '../../src/validation/index.js';
import { validateAppointment } from '../../src/flows/scheduling/validate.js';
import { codes, errors, officeAppointmentArb, officeExamples, TZ } from '../support/scheduling.js';

const toFhir = (r: OfficeAppointment) => appointmentToFhir(r, { timezone: TZ });

describe('scheduling: office appointment <-> FHIR Appointment', () => {
  it('every example record is schema-valid, maps to a valid fd-appointment and back unchanged (local times normalized)', () => {
    const examples = officeExamples();
    expect(examples.length).to.be.greaterThanOrEqual(5);
    for (const { file, record } of examples) {
      expect(validateOfficeRecord(record as never), file).to.deep.equal([]);
      const a = toFhir(record);
      expect(errors(a.issues), file).to.deep.equal([]);
      expect(errors(validateAppointment(a.value!)), file).to.deep.equal([]);
      const back = appointmentFromFhir(a.value!);
      expect(errors(back.issues), file).to.deep.equal([]);
      const expected = { ...record };
      if (record.start && !/([+-]\d{2}:\d{2}|Z)$/.test(record.start)) expected.start = a.value!.start!; // local time got the practice offset
      expect(back.value, file).to.deep.equal(expected);
    }
  });

  it('maps participants, type, service, reason, times and identifiers', () => {
    const a = toFhir(officeExamples().find((e) => e.file === 'appointment-booked.json')!.record).value!;
    expect(a.status).to.equal('booked');
    expect(a.start).to.equal('2024-03-01T08:30:00-05:00');
    expect(a.end).to.equal('2024-03-01T09:00:00-05:00'); // start + durationMinutes, in the sender's offset
    expect(a.minutesDuration).to.equal(30);
    expect(a.identifier![0]).to.deep.include({ system: OFFICE_APPOINTMENT_SYSTEM, value: 'A-20240301-0830' });
    expect(a.identifier![0]!.type!.coding![0]!.code).to.equal('FILL');
    const [patient, provider, location] = a.participant;
    expect(patient!.actor!.reference).to.match(/^Patient\/patient-[0-9a-f]{32}$/);
    expect(patient!.actor!.identifier!.value).to.equal('MRN1001');
    expect(provider!.actor).to.deep.include({ type: 'Practitioner', display: 'Robin Carter', identifier: { system: NPI_SYSTEM, value: '1234567893' } });
    expect(location!.actor!.identifier!.value).to.equal('EXAM2');
    // v2-to-FHIR IG: the office type is the SCH-7 appointment reason (reasonCode), then the reason for visit.
    expect(a.appointmentType).to.equal(undefined);
    expect(a.reasonCode![0]!.coding!.map((c) => c.code)).to.deep.equal(['new']); // no v2-0276 code for a new-patient visit
    expect(a.serviceType![0]).to.deep.equal({ coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '99203' }], text: 'New patient office visit' });
    expect(a.reasonCode![1]).to.deep.equal({ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'R51.9' }], text: 'Headache' });
    expect(a.comment).to.equal('Bring current medication list.');
  });

  it('telehealth and follow-up types carry the office coding, follow-up also v2-0276 FOLLOWUP', () => {
    const base = officeExamples()[0]!.record;
    const tele = toFhir({ ...base, type: 'telehealth' }).value!;
    expect(tele.reasonCode![0]!.coding).to.deep.equal([{ system: 'https://frontdesk.example.org/CodeSystem/appointment-type', code: 'telehealth', display: 'Telehealth (video) visit' }]);
    const fu = toFhir({ ...base, type: 'follow-up' }).value!;
    expect(fu.reasonCode![0]!.coding!.map((c) => `${c.system}|${c.code}`)).to.deep.equal([
      'http://terminology.hl7.org/CodeSystem/v2-0276|FOLLOWUP', 'https://frontdesk.example.org/CodeSystem/appointment-type|follow-up',
    ]);
    // An EHR that only sends v2-0276 (in reasonCode, or R4-style in appointmentType) still gives the office type.
    expect(appointmentFromFhir({ ...fu, reasonCode: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'CHECKUP' }] }] } as Appointment).value!.type).to.equal('checkup');
    const ehr = { ...fu, reasonCode: undefined, appointmentType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'WALKIN' }] } } as Appointment;
    expect(appointmentFromFhir(ehr).value!.type).to.equal('walk-in');
  });

  it('office check-in is arrived and check-out is fulfilled, through the status table', () => {
    expect(fhirStatusOfOffice('arrived')).to.equal('arrived');
    expect(fhirStatusOfOffice('checked-out')).to.equal('fulfilled');
    expect(fhirStatusOfOffice('no-show')).to.equal('noshow');
    expect(fhirStatusOfOffice('deleted')).to.equal('entered-in-error');
    expect(officeStatusOfFhir('fulfilled')).to.equal('checked-out');
    expect(officeStatusOfFhir('checked-in')).to.equal('arrived');
    expect(eventRule('S15')!.status).to.equal('cancelled');
    expect(eventRule('S17')!.status).to.equal('entered-in-error');
    expect(eventRule('S26')!.status).to.equal('noshow');
    expect(eventRule('S13')!.requiresExisting).to.equal(true);
    expect(eventRule('S99')).to.equal(undefined);
    for (const [status, event] of Object.entries(statusTable().outbound)) expect(statusTable().events[event], `${status} -> ${event}`).to.not.equal(undefined);
    expect(outboundEvent('cancelled')).to.equal('S15');
  });

  it('a time without offset takes the practice timezone and says so; offsets are kept', () => {
    const base = officeExamples()[0]!.record;
    const summer = toFhir({ ...base, start: '2024-07-01T09:00', durationMinutes: 20 });
    expect(summer.value!.start).to.equal('2024-07-01T09:00:00-04:00');
    expect(summer.value!.end).to.equal('2024-07-01T09:20:00-04:00');
    expect(codes(summer.issues)).to.deep.equal(['MAP_TIMEZONE_ASSUMED@start']);
    expect(summer.issues[0]!.severity).to.equal('information');
    const india = toFhir({ ...base, start: '2024-07-01T23:50:00+05:30', durationMinutes: 20 }).value!;
    expect(india.end).to.equal('2024-07-02T00:10:00+05:30');
  });

  it('reports start after end as a conflict at the field, and a cancelled appointment without reason fails fd-app-2', () => {
    const base = officeExamples()[0]!.record;
    const { durationMinutes: _drop, ...noDuration } = base;
    const r = toFhir({ ...noDuration, start: '2024-03-01T10:00:00-05:00', end: '2024-03-01T09:00:00-05:00' });
    expect(codes(errors(r.issues))).to.deep.equal(['MAP_CONFLICT@end']);
    expect(codes(validateAppointment(r.value!)).filter((c) => c.startsWith('FHIR_INVARIANT@Appointment') && !c.includes('participant'))).to.include('FHIR_INVARIANT@Appointment');
    const cancelled = toFhir({ ...base, status: 'cancelled' }).value!;
    const v = validateAppointment(cancelled);
    expect(v.some((i) => i.diagnostics?.startsWith('fd-app-2'))).to.equal(true);
    expect(validateOfficeRecord({ ...base, status: 'cancelled' } as never).some((i) => i.severity === 'error')).to.equal(true);
  });

  it('R4 app-2/app-3 hold: start and end together; only cancelled/waitlist appointments may have no times', () => {
    const base = officeExamples()[0]!.record;
    const { start: _s, durationMinutes: _d, ...timeless } = base;
    const booked = toFhir(timeless as OfficeAppointment).value!;
    expect(validateAppointment(booked).filter((i) => i.severity === 'error').map((i) => i.diagnostics?.slice(0, 6))).to.include('app-3:');
    const onlyStart = { ...toFhir(base).value!, end: undefined } as Appointment;
    expect(validateAppointment(onlyStart).map((i) => i.diagnostics?.slice(0, 6))).to.include('app-2:');
    const waitlist = toFhir({ ...(timeless as OfficeAppointment), status: 'waitlist' }).value!;
    expect(errors(validateAppointment(waitlist))).to.deep.equal([]);
  });

  it('missing MRN or an unknown status are issues at the field, never a throw', () => {
    const r = appointmentToFhir({ recordType: 'appointment', id: 'X', status: 'gone' } as never, { timezone: TZ });
    expect(r.value).to.equal(undefined);
    expect(codes(r.issues)).to.deep.equal(['MAP_MISSING@patientMrn', 'MAP_UNKNOWN_CODE@status']);
    const noPatient = appointmentFromFhir({ resourceType: 'Appointment', id: 'a1', status: 'booked', participant: [{ actor: { reference: 'Practitioner/p' }, status: 'accepted' }] });
    expect(codes(noPatient.issues)).to.include('MAP_MISSING@Appointment.participant');
  });

  it('time arithmetic keeps the offset', () => {
    expect(addMinutes('2024-12-31T23:45:00-05:00', 30)).to.equal('2025-01-01T00:15:00-05:00');
    expect(minutesBetween('2024-03-01T08:30:00-05:00', '2024-03-01T14:30:00Z')).to.equal(60);
  });

  it('property: office -> FHIR -> office is the identity and every Appointment is valid (1,000 generated records)', () => {
    fc.assert(fc.property(officeAppointmentArb({ withZ: true }), (record) => {
      expect(validateOfficeRecord(record as never)).to.deep.equal([]);
      const a = toFhir(record);
      expect(errors(a.issues)).to.deep.equal([]);
      expect(errors(validateAppointment(a.value!))).to.deep.equal([]);
      const back = appointmentFromFhir(a.value!);
      expect(errors(back.issues)).to.deep.equal([]);
      expect(back.value).to.deep.equal(record);
    }), { numRuns: 1000 });
  });
});
