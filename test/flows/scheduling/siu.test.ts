import { expect } from 'chai';
import fc from 'fast-check';
import type { Appointment, Bundle } from 'fhir/r4.js';
import { parseHl7 } from '../../../src/hl7/message.js';
import { validateMessage } from '../../../src/hl7/validate.js';
import { readdirSync } from 'node:fs';
import { EXAMPLES_HL7 } from '../../support/scheduling.js';
import { detectInput } from '../../../src/domain/input.js';
import { appointmentToFhir, type OfficeAppointment } from '../../../src/adapters/appointment.js';
import { convertSiu, readSiu, schedulingConverter, siuFlow, appointmentToSiu } from '../../../src/flows/scheduling/index.js';
import { flowFor, converters } from '../../../src/flows/registry.js';
import { hl7v2Of, officeOf } from '../../../src/flows/types.js';
import { codes, ctx, errors, hl7, hl7Example, memoryLookup, officeAppointmentArb, officeExamples, TZ } from '../../support/scheduling.js';

const officeToSiu = (r: OfficeAppointment, event?: string) => {
  const out = schedulingConverter.convert({ kind: 'office', recordType: 'appointment', record: r }, 'hl7v2', ctx(event ? { event } : {}));
  return { value: hl7v2Of(out.value), issues: out.issues };
};
const siuToOffice = (text: string) => {
  const d = detectInput(text);
  const out = schedulingConverter.convert(d.value!, 'office', ctx());
  return { value: officeOf(out.value)?.[0], issues: out.issues };
};

describe('scheduling: SIU -> FHIR Appointment', () => {
  it('S12 (v2.5.1, TQ1): identifiers, times with the sender offset, type, service, reason, participants, note', () => {
    const r = convertSiu(hl7Example('s12-new.hl7'), ctx());
    expect(errors(r.issues)).to.deep.equal([]);
    const a = r.value!.appointment;
    expect(a.status).to.equal('booked');
    expect(a.identifier!.map((i) => `${i.type!.coding![0]!.code}|${i.system}|${i.value}`)).to.deep.equal([
      'FILL|urn:frontdesk:ns:EHRSCHED|EHR-9001', 'PLAC|urn:frontdesk:ns:EHR|REF-771',
    ]);
    expect([a.start, a.end, a.minutesDuration]).to.deep.equal(['2024-03-01T08:30:00-05:00', '2024-03-01T08:50:00-05:00', 20]);
    // v2-to-FHIR IG: SCH-7 -> reasonCode (then PV2-3), SCH-8 -> appointmentType.
    expect(a.reasonCode![0]!.coding![0]).to.deep.include({ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'FOLLOWUP' });
    expect(a.appointmentType!.coding![0]).to.deep.include({ system: 'http://terminology.hl7.org/CodeSystem/v2-0277', code: 'Normal' });
    expect(a.serviceType![0]!.coding![0]).to.deep.include({ system: 'http://www.ama-assn.org/go/cpt', code: '99213' });
    expect(a.reasonCode![1]!.coding![0]).to.deep.include({ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9' });
    expect(a.comment).to.equal('Fasting labs drawn before the visit.');
    const kinds = a.participant.map((p) => p.actor!.type);
    expect(kinds).to.deep.equal(['Patient', 'Location', 'Practitioner']);
    expect(a.participant[2]!.actor!.identifier).to.deep.equal({ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' });
    expect(a.participant[0]!.actor!.reference).to.equal(`Patient/${r.value!.patient!.id}`);
    // The flow output: a transaction Bundle with PUTs to deterministic ids, and the office record.
    const b = r.value!.bundle;
    expect(b.type).to.equal('transaction');
    expect(b.entry!.map((e) => `${e.request!.method} ${e.request!.url}`)).to.deep.equal([`PUT Patient/${r.value!.patient!.id}`, `PUT Appointment/${a.id}`]);
    expect(r.value!.office[0]).to.include({ recordType: 'appointment', id: 'EHR-9001', status: 'booked', patientMrn: 'MRN2001' });
  });

  it('an older sender (v2.3): SCH-11 timing, no offset -> practice timezone with information issues at SCH.11.4/.5', () => {
    const r = convertSiu(hl7Example('s12-v23-sch11.hl7'), ctx());
    expect(errors(r.issues)).to.deep.equal([]);
    const a = r.value!.appointment;
    expect([a.start, a.end]).to.deep.equal(['2024-01-10T09:15:00-05:00', '2024-01-10T10:00:00-05:00']);
    const tz = r.issues.filter((i) => i.details?.coding?.[0]?.code === 'MAP_TIMEZONE_ASSUMED');
    expect(tz.map((i) => [i.severity, i.expression![0]])).to.deep.equal([['information', 'SCH.11.4'], ['information', 'SCH.11.5']]);
    // PV1-3 and PV1-7 stand in for AIL and AIP.
    expect(a.participant.map((p) => p.actor!.type).sort()).to.deep.equal(['Location', 'Patient', 'Practitioner']);
    expect(a.participant.some((p) => p.actor!.identifier?.value === 'ROOM1')).to.equal(true);
    expect(a.participant.some((p) => p.actor!.identifier?.value === '1234567893')).to.equal(true);
  });

  it('each event sets the status from the table: S13 booked, S14 from SCH-25 (Started -> arrived), S15 cancelled with reason, S17 entered-in-error, S26 noshow', () => {
    const status = (f: string) => convertSiu(hl7Example(f), ctx()).value!.appointment;
    expect(status('s13-reschedule.hl7').status).to.equal('booked');
    expect(status('s13-reschedule.hl7').start).to.equal('2024-03-04T14:00:00-05:00');
    expect(status('s14-modify.hl7').status).to.equal('arrived');
    const c = status('s15-cancel.hl7');
    expect(c.status).to.equal('cancelled');
    expect(c.cancelationReason).to.deep.equal({ coding: [{ code: 'PROV', display: 'Provider unavailable' }] });
    expect(status('s17-delete.hl7').status).to.equal('entered-in-error');
    expect(status('s26-noshow.hl7').status).to.equal('noshow');
  });

  it('reschedule and cancel update the same Appointment id (deterministic from SCH-2)', () => {
    const ids = ['s12-new.hl7', 's13-reschedule.hl7', 's14-modify.hl7', 's15-cancel.hl7', 's17-delete.hl7', 's26-noshow.hl7']
      .map((f) => readSiu(hl7Example(f), ctx()).value!.appointment.id);
    expect(new Set(ids).size).to.equal(1);
    expect(ids[0]).to.match(/^appointment-[0-9a-f]{32}$/);
  });

  describe('conflicts with stored state are reported, not applied', () => {
    it('S13, S14 and S15 for an unknown appointment: MAP_CONFLICT at SCH.2, no output', () => {
      for (const f of ['s13-reschedule.hl7', 's14-modify.hl7', 's15-cancel.hl7']) {
        const out = siuFlow.run(hl7Example(f), ctx({ lookup: memoryLookup() }));
        expect(out.value, f).to.equal(undefined);
        expect(codes(errors(out.issues)), f).to.deep.equal(['MAP_CONFLICT@SCH.2']);
      }
    });

    it('S12 then S13, S14, S15 apply to the stored appointment', () => {
      const store = memoryLookup();
      const put = (b: Bundle) => b.entry!.forEach((e) => store.put(e.resource!));
      for (const f of ['s12-new.hl7', 's13-reschedule.hl7', 's14-modify.hl7', 's15-cancel.hl7']) {
        const out = siuFlow.run(hl7Example(f), ctx({ lookup: store }));
        expect(errors(out.issues), f).to.deep.equal([]);
        put(out.value!.bundle);
      }
      const id = readSiu(hl7Example('s12-new.hl7'), ctx()).value!.appointment.id!;
      expect((store.get('Appointment', id) as Appointment).status).to.equal('cancelled');
    });

    it('S14 after S17: MAP_CONFLICT, the deleted appointment is not revived', () => {
      const store = memoryLookup();
      for (const f of ['s12-new.hl7', 's17-delete.hl7']) siuFlow.run(hl7Example(f), ctx({ lookup: store })).value!.bundle.entry!.forEach((e) => store.put(e.resource!));
      const out = siuFlow.run(hl7Example('s14-modify.hl7'), ctx({ lookup: store }));
      expect(out.value).to.equal(undefined);
      expect(codes(errors(out.issues))).to.deep.equal(['MAP_CONFLICT@SCH.2']);
      expect(out.issues[0]!.diagnostics).to.match(/deleted/);
    });

    it('S14 without SCH-25 keeps the stored status', () => {
      const store = memoryLookup();
      const s14 = hl7Example('s14-modify.hl7').toString().replace('Started^Started^HL70278', '');
      siuFlow.run(hl7Example('s12-new.hl7'), ctx({ lookup: store })).value!.bundle.entry!.forEach((e) => store.put(e.resource!));
      const arrived = { ...(store.get('Appointment', readSiu(hl7Example('s12-new.hl7'), ctx()).value!.appointment.id!) as Appointment), status: 'arrived' as const };
      store.put(arrived);
      const out = siuFlow.run(parseHl7(s14).value!, ctx({ lookup: store }));
      expect(errors(out.issues)).to.deep.equal([]);
      expect((out.value!.bundle.entry![1]!.resource as Appointment).status).to.equal('arrived');
    });

    it('start after end: MAP_CONFLICT at TQ1.8', () => {
      const msg = hl7Example('s12-new.hl7').toString().replace('TQ1|1||||||20240301083000-0500|20240301085000-0500', 'TQ1|1||||||20240301093000-0500|20240301085000-0500');
      const r = siuFlow.run(parseHl7(msg).value!, ctx());
      expect(r.value).to.equal(undefined);
      expect(codes(errors(r.issues))).to.deep.equal(['MAP_CONFLICT@TQ1.8']);
    });
  });

  describe('bad input: issues at the field, never a crash', () => {
    const base = (sch: string, rest = 'TQ1|1||||||20240301083000-0500|20240301085000-0500\nPID|1||MRN1^^^FRONTDESK^MR||Doe^Jo||19800101|F\nRGS|1') =>
      hl7(`MSH|^~\\&|EHR|CLINIC|FD|PRACTICE|20240301||SIU^S12^SIU_S12|1|P|2.5.1\n${sch}\n${rest}`);

    it('SCH without ids: MAP_MISSING naming SCH.1 and SCH.2', () => {
      const r = siuFlow.run(base('SCH|||||||ROUTINE'), ctx());
      expect(r.value).to.equal(undefined);
      expect(codes(errors(r.issues))).to.deep.equal(['MAP_MISSING@SCH.1,SCH.2']);
    });

    it('unparseable timing: MAP_INVALID_DATE at TQ1.7', () => {
      const r = siuFlow.run(base('SCH|P1|F1', 'TQ1|1||||||2024-03-01 8:30|20240301085000-0500\nPID|1||MRN1^^^FRONTDESK^MR||Doe^Jo||19800101|F'), ctx());
      expect(r.value).to.equal(undefined);
      expect(codes(errors(r.issues))).to.include('MAP_INVALID_DATE@TQ1.7');
    });

    it('unparseable SCH-11 of an older sender: MAP_INVALID_DATE at SCH.11.4', () => {
      const r = siuFlow.run(base('SCH|P1|F1|||||||||^^^20241345', 'PID|1||MRN1^^^FRONTDESK^MR||Doe^Jo||19800101|F'), ctx());
      expect(codes(errors(r.issues))).to.include('MAP_INVALID_DATE@SCH.11.4');
    });

    it('an unknown event code: HL7_MESSAGE_TYPE at MSH.9.2', () => {
      const r = siuFlow.run(hl7('MSH|^~\\&|EHR|CLINIC|FD|PRACTICE|20240301||SIU^S99^SIU_S12|1|P|2.5.1\nSCH|P1|F1'), ctx());
      expect(codes(r.issues)).to.deep.equal(['HL7_MESSAGE_TYPE@MSH.9.2']);
    });

    it('a missing patient (no PID): HL7_SEGMENT_MISSING at PID', () => {
      const r = siuFlow.run(base('SCH|P1|F1', 'TQ1|1||||||20240301083000-0500|20240301085000-0500\nRGS|1'), ctx());
      expect(r.value).to.equal(undefined);
      expect(codes(errors(r.issues))).to.include('HL7_SEGMENT_MISSING@PID');
    });

    it('a PID without identifier: MAP_MISSING at PID.3', () => {
      const r = siuFlow.run(base('SCH|P1|F1', 'TQ1|1||||||20240301083000-0500|20240301085000-0500\nPID|1||||Doe^Jo'), ctx());
      expect(codes(errors(r.issues))).to.include('MAP_MISSING@PID.3');
    });

    it('no SCH at all, unknown duration units and a non-SIU message', () => {
      expect(codes(siuFlow.run(hl7('MSH|^~\\&|EHR|C|FD|P|20240301||SIU^S12|1|P|2.5.1\nPID|1||M1'), ctx()).issues)).to.deep.equal(['HL7_SEGMENT_MISSING@SCH']);
      const units = siuFlow.run(base(`SCH|P1|F1${'|'.repeat(7)}20|fortnights`), ctx());
      expect(codes(units.issues)).to.include('MAP_UNKNOWN_CODE@SCH.10');
      expect(units.value).to.not.equal(undefined); // a warning: the duration is left out, start/end stand
      expect(codes(readSiu(hl7('MSH|^~\\&|A|B|C|D|1||ADT^A04|1|P|2.5'), ctx()).issues)).to.deep.equal(['HL7_MESSAGE_TYPE@MSH.9']);
    });

    it('a cancellation without SCH-6 still applies, with reason "other" and a warning at SCH.6', () => {
      const msg = hl7Example('s15-cancel.hl7').toString().replace('PROV^Provider unavailable', '');
      const r = convertSiu(parseHl7(msg).value!, ctx());
      expect(errors(r.issues)).to.deep.equal([]);
      expect(codes(r.issues)).to.include('MAP_MISSING@SCH.6');
      expect(r.value!.appointment.cancelationReason!.coding![0]!.code).to.equal('other');
    });
  });

  it('is registered: flowFor(SIU^S12) and the converter for SIU, Appointment and office appointments', () => {
    expect(flowFor('SIU^S26')).to.equal(siuFlow);
    const accepts = (text: string) => converters.find((c) => c.accepts(detectInput(text).value!))?.name;
    expect(accepts(hl7Example('s12-new.hl7').toString())).to.equal('scheduling');
    expect(accepts(JSON.stringify(officeExamples()[0]!.record))).to.equal('scheduling');
    expect(accepts(JSON.stringify({ resourceType: 'Appointment', status: 'booked', participant: [] }))).to.equal('scheduling');
    // A Bundle is taken whole only when it is one appointment with its patient.
    const bundle = convertSiu(hl7Example('s12-new.hl7'), ctx()).value!.bundle;
    expect(schedulingConverter.accepts({ kind: 'fhir', resource: bundle })).to.equal(true);
    const withCoverage = { ...bundle, entry: [...bundle.entry!, { resource: { resourceType: 'Coverage' } }] } as Bundle;
    expect(schedulingConverter.accepts({ kind: 'fhir', resource: withCoverage })).to.equal(false);
    const office = schedulingConverter.convert({ kind: 'fhir', resource: bundle }, 'office', ctx());
    expect(errors(office.issues)).to.deep.equal([]);
    expect(officeOf(office.value)?.[0]).to.include({ id: 'EHR-9001', patientMrn: 'MRN2001', status: 'booked' });
  });
});

describe('scheduling: FHIR / office -> SIU', () => {
  it('writes SCH, TQ1, NTE, PID, PV1, PV2, RGS, AIS, AIL, AIP with the event from the status', () => {
    const out = officeToSiu(officeExamples().find((e) => e.file === 'appointment-booked.json')!.record);
    expect(errors(out.issues)).to.deep.equal([]);
    const msg = parseHl7(out.value!).value!;
    expect(msg.messageType).to.equal('SIU^S12');
    expect(msg.version).to.equal('2.5.1');
    expect(msg.segments.map((s) => s.name)).to.deep.equal(['MSH', 'SCH', 'TQ1', 'NTE', 'PID', 'PV1', 'PV2', 'RGS', 'AIS', 'AIL', 'AIP']);
    const sch = msg.segment('SCH')!;
    expect(sch.get(2)).to.equal('A-20240301-0830');
    expect(sch.get(7)).to.equal('NEW');
    expect(sch.get(9)).to.equal('30');
    expect(sch.get(11, 4)).to.equal('20240301083000-0500');
    expect(sch.get(25)).to.equal('Booked');
    expect(msg.segment('TQ1')!.get(7)).to.equal('20240301083000-0500');
    expect(msg.segment('TQ1')!.get(8)).to.equal('20240301090000-0500');
    expect(msg.segment('PID')!.get(3)).to.equal('MRN1001');
    expect(msg.segment('AIP')!.get(3)).to.equal('1234567893');
    expect(msg.segment('AIP')!.get(3, 13)).to.equal('NPI');
  });

  it('picks S14 for check-in/out (SCH-25 Started/Complete), S15 cancel, S26 no-show; --event overrides; a contradicting event is a conflict', () => {
    const byFile = (f: string) => officeExamples().find((e) => e.file === f)!.record;
    const event = (r: OfficeAppointment, e?: string) => parseHl7(officeToSiu(r, e).value!).value!;
    expect(event(byFile('appointment-telehealth-checked-out.json')).messageType).to.equal('SIU^S14');
    expect(event(byFile('appointment-telehealth-checked-out.json')).segment('SCH')!.get(25)).to.equal('Complete');
    expect(event(byFile('appointment-arrived-local-time.json')).segment('SCH')!.get(25)).to.equal('Started');
    expect(event(byFile('appointment-cancelled.json')).messageType).to.equal('SIU^S15');
    expect(event(byFile('appointment-cancelled.json')).segment('SCH')!.get(6, 2)).to.equal('Patient called: out of town');
    expect(event(byFile('appointment-no-show.json')).messageType).to.equal('SIU^S26');
    expect(event(byFile('appointment-booked.json'), 'S13').messageType).to.equal('SIU^S13');
    const bad = officeToSiu(byFile('appointment-booked.json'), 'S15');
    expect(bad.value).to.equal(undefined);
    expect(codes(bad.issues)).to.include('MAP_CONFLICT@Appointment.status');
    expect(codes(officeToSiu(byFile('appointment-booked.json'), 'S42').issues)).to.include('HL7_MESSAGE_TYPE@event');
  });

  it('meets the v2.5.1 message profile; PID-5 comes from the registered Patient when the store has it, else a warning', () => {
    const record = officeExamples().find((e) => e.file === 'appointment-booked.json')!.record;
    const thin = officeToSiu(record);
    expect(codes(thin.issues.filter((i) => i.severity === 'warning'))).to.deep.equal(['MAP_MISSING@PID.5']);
    expect(errors(validateMessage(parseHl7(thin.value!).value!)).map((i) => i.expression![0])).to.deep.equal(['PID.5']);
    // With the patient registered (ADT), the store lookup fills PID.
    const registered = convertSiu(hl7Example('s12-new.hl7'), ctx()).value!.patient!;
    const store = memoryLookup([{ ...registered, id: appointmentToFhir({ ...record, patientMrn: 'MRN2001' }, { timezone: TZ }).value!.participant[0]!.actor!.reference!.split('/')[1] }]);
    const full = schedulingConverter.convert({ kind: 'office', recordType: 'appointment', record: { ...record, patientMrn: 'MRN2001' } }, 'hl7v2', ctx({ lookup: store }));
    expect(errors(full.issues)).to.deep.equal([]);
    expect(full.issues.filter((i) => i.severity === 'warning')).to.deep.equal([]);
    const msg = parseHl7(hl7v2Of(full.value)!).value!;
    expect(msg.segment('PID')!.get(5)).to.equal('Testpatient');
    expect(errors(validateMessage(msg))).to.deep.equal([]);
  });

  it('the example SIU messages meet the message profile of their version', () => {
    for (const f of readdirSync(EXAMPLES_HL7)) expect(errors(validateMessage(hl7Example(f))), f).to.deep.equal([]);
  });

  it('an Appointment without a patient identifier cannot become PID: MAP_MISSING', () => {
    const a = appointmentToFhir(officeExamples()[0]!.record, { timezone: TZ }).value!;
    a.participant = a.participant.filter((p) => p.actor!.type !== 'Patient');
    expect(codes(appointmentToSiu(a, undefined, { timezone: TZ }).issues)).to.include('MAP_MISSING@Appointment.participant');
  });

  it('office -> SIU -> office is the identity for every example (local times get the practice offset)', () => {
    for (const { file, record } of officeExamples()) {
      const siu = officeToSiu(record);
      expect(errors(siu.issues), file).to.deep.equal([]);
      const back = siuToOffice(siu.value!);
      expect(errors(back.issues), file).to.deep.equal([]);
      const expected = { ...record };
      if (record.start && !/([+-]\d{2}:\d{2}|Z)$/.test(record.start)) expected.start = appointmentToFhir(record, { timezone: TZ }).value!.start!;
      expect(back.value, file).to.deep.equal(expected);
    }
  });

  it('SIU -> Appointment -> office -> Appointment -> SIU keeps SCH-7, SCH-8 (local 99zzz systems too) and the NTEs after SCH, joined by a newline', () => {
    const sent = [
      'MSH|^~\\&|EHRSCHED|NORTHCLINIC|FRONTDESK|PRACTICE|20240226101500-0500||SIU^S12^SIU_S12|SCH0777|P|2.5.1',
      'SCH|REF-777^EHR|EHR-9777^EHRSCHED||||Booked|CONSULT^Specialist consult^99LOCAL|FU30^Follow-up 30 min^99SCHED|30|min^minutes^ANS+||||||^Scheduler^Sam||||^Scheduler^Sam|||||Booked^Booked^HL70278',
      'TQ1|1||||||20240301083000-0500|20240301090000-0500',
      'NTE|1||Fasting labs drawn before the visit.',
      'NTE|2||Bring the glucose diary.',
      'PID|1||MRN2001^^^FRONTDESK^MR||Testpatient^Avery^Q||19800214|F',
      'PV1|1|O', 'PV2|||E11.9^Type 2 diabetes mellitus without complications^I10', 'RGS|1',
    ].join('\r');
    const inbound = convertSiu(parseHl7(sent).value!, ctx());
    expect(errors(inbound.issues)).to.deep.equal([]);
    const a = inbound.value!.appointment;
    expect(a.reasonCode!.map((r) => `${r.coding![0]!.system}|${r.coding![0]!.code}`)).to.deep.equal(['urn:frontdesk:cs:99LOCAL|CONSULT', 'http://hl7.org/fhir/sid/icd-10-cm|E11.9']);
    expect(a.appointmentType!.coding).to.deep.equal([{ system: 'urn:frontdesk:cs:99SCHED', code: 'FU30', display: 'Follow-up 30 min' }]);
    expect(a.comment).to.equal('Fasting labs drawn before the visit.\nBring the glucose diary.');
    // The office record keeps SCH-8 and the notes; it holds one reason for visit (SCH-7 here), PV2-3 is left out with a note.
    const office = inbound.value!.office[0]!;
    expect(office).to.include({ appointmentTypeCode: 'FU30', appointmentTypeSystem: 'urn:frontdesk:cs:99SCHED', appointmentTypeText: 'Follow-up 30 min', reasonCode: 'CONSULT', reasonSystem: 'urn:frontdesk:cs:99LOCAL', reasonText: 'Specialist consult', notes: 'Fasting labs drawn before the visit.\nBring the glucose diary.' });
    expect(codes(inbound.issues)).to.include('MAP_INFO@Appointment.reasonCode[1]');
    // office -> Appointment -> SIU: SCH-7, SCH-8 and NTE-3 come back under their own systems.
    const out = parseHl7(officeToSiu(office as unknown as OfficeAppointment).value!).value!;
    const sch = out.segment('SCH')!;
    expect([sch.get(7, 1), sch.get(7, 3), sch.get(8, 1), sch.get(8, 3)]).to.deep.equal(['CONSULT', '99LOCAL', 'FU30', '99SCHED']);
    expect(out.segments.filter((x) => x.name === 'NTE')).to.have.length(1); // one NTE-3, the lines escaped as \.br\
    // and SIU -> Appointment again gives the same reason, type and comment.
    const again = convertSiu(out, ctx()).value!.appointment;
    expect(again.reasonCode![0]!.coding![0]).to.deep.include({ system: 'urn:frontdesk:cs:99LOCAL', code: 'CONSULT' });
    expect(again.appointmentType!.coding![0]).to.deep.include({ system: 'urn:frontdesk:cs:99SCHED', code: 'FU30' });
    expect(again.comment).to.equal(a.comment);
    // Directly (Appointment -> SIU), both reasons survive: SCH-7 and PV2-3.
    const direct = appointmentToSiu(a, inbound.value!.patient, { timezone: TZ }).value!;
    expect([direct.segment('SCH')!.get(7), direct.segment('PV2')!.get(3), direct.segment('SCH')!.get(8)]).to.deep.equal(['CONSULT', 'E11.9', 'FU30']);
  });

  it('property: office -> SIU -> office is the identity (1,000 generated records, delimiters in every text)', () => {
    fc.assert(fc.property(officeAppointmentArb(), (record) => {
      const siu = officeToSiu(record);
      expect(errors(siu.issues)).to.deep.equal([]);
      const back = siuToOffice(siu.value!);
      expect(errors(back.issues)).to.deep.equal([]);
      expect(back.value).to.deep.equal(record);
    }), { numRuns: 1000 });
  });
});
