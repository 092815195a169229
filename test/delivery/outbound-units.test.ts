/**
 * The parts of generated HL7v2 one at a time: trigger events from stored changes, the durable
 * control-id table (across a reopen of the file), the destination's `hl7` settings checker, the
 * A40 builder, the DFT^P03 writer, and reading a partner's ACK for the operator.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { encounterToClaimBundle } from '../../src/adapters/claim-bundle.js';
import type { BillingEncounter } from '../../src/billing/encounter.js';
import type { MergeInstruction } from '../../src/adapters/registration-record.js';
import { readDft } from '../../src/flows/billing/read.js';
import { buildDft } from '../../src/flows/billing/write.js';
import type { Appointment, Patient } from 'fhir/r4.js';
import { checkConfig } from '../../src/config.js';
import { parseDeliveryConfig } from '../../src/delivery/config.js';
import { partnerAckOf, ackSummary } from '../../src/delivery/ack-report.js';
import { appointmentEvent, billingEvent, registrationEvent, type ResourceChange } from '../../src/flows/outbound/events.js';
import { generateHl7 } from '../../src/flows/outbound/generate.js';
import { parseHl7 } from '../../src/hl7/message.js';
import { validateMessage } from '../../src/hl7/validate.js';
import { openTestStore } from '../support/engine.js';
import { execOnStore } from '../support/store-sql.js';
import { tempDb } from './helpers.js';

const appt = (over: Partial<Appointment> = {}): Appointment => ({ resourceType: 'Appointment', status: 'booked', participant: [], start: '2026-03-01T13:30:00Z', end: '2026-03-01T14:00:00Z', ...over });
const change = (resourceType: string, c: ResourceChange['change'], prior?: object, current?: object): ResourceChange =>
  ({ resourceType, id: 'x', change: c, prior: prior as ResourceChange['prior'], current: current as ResourceChange['current'] });

describe('outbound: trigger events from what a change did to the store', () => {
  it('registration: A04 for a new Patient, A08 for any changed registration resource, nothing when unchanged; A28/A31 in person mode', () => {
    expect(registrationEvent([change('Patient', 'created')], 'patient')).to.equal('A04');
    expect(registrationEvent([change('Patient', 'unchanged'), change('Coverage', 'updated')], 'patient')).to.equal('A08');
    expect(registrationEvent([change('Patient', 'unchanged'), change('Coverage', 'unchanged')], 'patient')).to.equal(undefined);
    expect(registrationEvent([change('Patient', 'created')], 'person')).to.equal('A28');
    expect(registrationEvent([change('Patient', 'updated')], 'person')).to.equal('A31');
  });

  it('appointment: S12 new, S13 moved while booked, S14 other change, S15/S26/S17 by status, nothing when unchanged', () => {
    expect(appointmentEvent([change('Appointment', 'created', undefined, appt())])).to.equal('S12');
    expect(appointmentEvent([change('Appointment', 'created', undefined, appt({ status: 'cancelled' }))])).to.equal('S15');
    expect(appointmentEvent([change('Appointment', 'updated', appt(), appt({ start: '2026-03-01T15:00:00Z', end: '2026-03-01T15:30:00Z' }))])).to.equal('S13');
    expect(appointmentEvent([change('Appointment', 'updated', appt(), appt({ status: 'arrived' }))])).to.equal('S14');
    expect(appointmentEvent([change('Appointment', 'updated', appt({ status: 'arrived' }), appt({ status: 'arrived', start: '2026-03-01T15:00:00Z' }))])).to.equal('S14');
    expect(appointmentEvent([change('Appointment', 'updated', appt(), appt({ status: 'cancelled' }))])).to.equal('S15');
    expect(appointmentEvent([change('Appointment', 'updated', appt(), appt({ status: 'noshow' }))])).to.equal('S26');
    expect(appointmentEvent([change('Appointment', 'updated', appt(), appt({ status: 'entered-in-error' }))])).to.equal('S17');
    expect(appointmentEvent([change('Appointment', 'unchanged', appt(), appt())])).to.equal(undefined);
  });

  it('billing: P03 when the Claim is created or changed only', () => {
    expect(billingEvent([change('Patient', 'created'), change('Claim', 'created')])).to.equal('P03');
    expect(billingEvent([change('Claim', 'updated')])).to.equal('P03');
    expect(billingEvent([change('Patient', 'updated'), change('Claim', 'unchanged')])).to.equal(undefined);
  });
});

describe('outbound: durable MSH-10 control ids (table hl7_control_ids)', () => {
  it('the same item key keeps its id; new keys get new ids; numbering survives a reopen and never reuses a number, even after rows are deleted', async () => {
    const t = tempDb();
    try {
      const req = (itemKey: string) => ({ itemKey, destination: 'ehr', messageType: 'ADT^A04', prefix: 'FD' });
      const ids = t.store.controlIds;
      expect([await ids.allocate(req('a')), await ids.allocate(req('b')), await ids.allocate(req('a'))]).to.deep.equal(['FD1', 'FD2', 'FD1']);
      await t.store.close();
      const store = openTestStore(t.path);
      expect(await store.controlIds.allocate(req('a'))).to.equal('FD1');
      expect(await store.controlIds.allocate(req('c'))).to.equal('FD3');
      // An operator (or a future retention job) deleting rows must not make a number come back.
      await execOnStore(store, 'DELETE FROM hl7_control_ids');
      expect(await store.controlIds.allocate(req('d'))).to.equal('FD4');
      expect((await store.controlIds.list()).map((r) => [r.itemKey, r.controlId])).to.deep.equal([['d', 'FD4']]);
      await store.close();
    } finally {
      await t.close();
    }
  });
});

describe('outbound: the destination hl7 settings, checked at start', () => {
  const mllp = (hl7: unknown) => ({ destinations: { ehr: { type: 'mllp', host: 'ehr.example.org', port: 6661, hl7 } } });
  const where = (hl7: unknown) => parseDeliveryConfig(mllp(hl7)).issues.map((i) => i.expression?.[0]);

  it('fills defaults (original mode, A04/A08, prefix FD) and takes the partner names and ACK types', () => {
    const d = parseDeliveryConfig(mllp({ receivingApplication: 'EPICADT', receivingFacility: 'MAIN', acceptAckType: 'AL', applicationAckType: 'ER', applicationAckTimeoutMs: 5000 })).value!.destinations.ehr!;
    expect(d.type === 'mllp' && d.hl7).to.deep.include({ sendingApplication: 'FRONTDESK', receivingApplication: 'EPICADT', receivingFacility: 'MAIN', acceptAckType: 'AL', applicationAckType: 'ER', applicationAckTimeoutMs: 5000, registrationEvents: 'patient', controlIdPrefix: 'FD', processingId: 'P' });
  });

  it('names each bad key', () => {
    expect(where({ acceptAckType: 'ALWAYS' })).to.deep.equal(['destinations.ehr.hl7.acceptAckType']);
    expect(where({ receivingApplication: 'EPIC^ADT' })).to.deep.equal(['destinations.ehr.hl7.receivingApplication']);
    expect(where({ controlIdPrefix: 'TOO-LONG-PREFIX' })).to.deep.equal(['destinations.ehr.hl7.controlIdPrefix']);
    expect(where({ registrationEvents: 'visit' })).to.deep.equal(['destinations.ehr.hl7.registrationEvents']);
    expect(where({ applicationAckTimeoutMs: 1000 })).to.deep.equal(['destinations.ehr.hl7.applicationAckTimeoutMs']);
    expect(where({ receivingFacilty: 'MAIN' })).to.deep.equal(['destinations.ehr.hl7.receivingFacilty']);
  });

  it('payload hl7v2 only on an mllp destination', () => {
    const cfg = (type: string) => ({
      channels: [{ name: 'office-api', source: { http: { path: '/office' } }, destinations: [{ name: 'ehr', payload: 'hl7v2' }] }],
      destinations: { ehr: type === 'mllp' ? { type, host: 'h', port: 1 } : { type, url: 'https://x.example.org/in' } },
    });
    expect(checkConfig(cfg('mllp'), '.', {}).issues).to.deep.equal([]);
    expect(checkConfig(cfg('http'), '.', {}).issues.map((i) => i.expression?.[0])).to.deep.equal(['channels[0].destinations[0]']);
  });
});

describe('outbound: merge instruction -> ADT^A40', () => {
  const survivor: Patient = {
    resourceType: 'Patient', id: 'p-survivor', identifier: [{ system: 'http://frontdesk.example.org/fhir/sid/mrn', value: 'MRN-S', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] } }],
    name: [{ family: 'Testperson', given: ['Sam'] }], gender: 'female', birthDate: '1970-01-02',
  };
  const instruction: MergeInstruction = {
    recordType: 'merge-instruction', survivingMrn: 'MRN-S', survivingMrnSystem: 'http://frontdesk.example.org/fhir/sid/mrn', survivingPatientId: 'p-survivor',
    retiredMrn: 'MRN-R', retiredMrnSystem: 'http://frontdesk.example.org/fhir/sid/mrn', retiredPatientId: 'p-retired', moveReferences: ['Appointment.participant.actor'],
  };

  it('PID is the surviving Patient as stored, MRG-1 the retired MRN; the message passes the ADT_A39 profile', () => {
    const [g] = generateHl7([instruction], [], { timezone: 'America/New_York', lookup: { get: (t, id) => (t === 'Patient' && id === 'p-survivor' ? survivor : undefined) } }, { registrationEvents: 'patient' });
    const m = g!.message!;
    expect([m.messageType, m.messageStructure, g!.orderingKey]).to.deep.equal(['ADT^A40', 'ADT_A39', 'Patient/p-survivor']);
    expect([m.segment('PID')!.get(3), m.segment('PID')!.get(5), m.segment('MRG')!.get(1), m.segment('MRG')!.get(1, 4)]).to.deep.equal(['MRN-S', 'Testperson', 'MRN-R', 'FRONTDESK']);
    expect(validateMessage(m)).to.deep.equal([]);
  });

  it('a survivor not registered here: a warning, and the message (no PID-5) fails its profile', () => {
    const [g] = generateHl7([instruction], [], { timezone: 'America/New_York', lookup: { get: () => undefined } }, { registrationEvents: 'patient' });
    expect(g!.issues.map((i) => `${i.severity}@${i.expression?.[0]}`)).to.deep.equal(['warning@survivingPatientId']);
    expect(validateMessage(g!.message!).map((i) => i.expression?.[0])).to.include('PID.5');
  });
});

describe('outbound: a partner ACK read out for the operator', () => {
  it('v2.5 ERR (ERL, 0357, severity, application code, user message) and MSA-3; the one-line summary leaves the free text out', () => {
    const ack = 'MSH|^~\\&|EHR|MAIN|FRONTDESK|MAPLEST|20260302101500||ACK^A04^ACK|A1|P|2.5.1\rMSA|AE|FD7|Patient Doe not on file\rERR||PID^1^7^1^1|102^Data type error^HL70357|E|BADDATE|||Birth date 1980-13-01 not a date\r';
    expect(partnerAckOf(ack)).to.deep.equal({
      code: 'AE', acknowledges: 'FD7', text: 'Patient Doe not on file',
      errors: [{ location: 'PID.7.1', code: '102', codeText: 'Data type error', severity: 'E', applicationCode: 'BADDATE', message: 'Birth date 1980-13-01 not a date' }],
    });
    const summary = ackSummary(parseHl7(ack).value!);
    expect(summary).to.equal('ACK AE (ERR PID.7.1 102); MSA-3 text in partnerAck');
  });

  it('v2.3 ERR-1 (ELD) and a commit ACK followed by the application ACK: the last one decides', () => {
    const commit = 'MSH|^~\\&|EHR|MAIN|FRONTDESK|MAPLEST|20260302101500||ACK|C1|P|2.3\rMSA|CA|FD9\r';
    const app = 'MSH|^~\\&|EHR|MAIN|FRONTDESK|MAPLEST|20260302101501||ACK|A2|P|2.3\rMSA|AR|FD9\rERR|PV1^1^3^103&Table value not found&HL70357\r';
    expect(partnerAckOf(`${commit}\n${app}`)).to.deep.equal({ code: 'AR', acknowledges: 'FD9', errors: [{ location: 'PV1.3', code: '103', codeText: 'Table value not found', message: 'Table value not found' }] });
    expect(partnerAckOf('not an ack')).to.equal(undefined);
  });
});

describe('outbound: the DFT^P03 writer reads back to the billing encounter it was written from', () => {
  for (const file of ['billing-encounter-office-visit.json', 'billing-encounter-two-payers.json']) {
    it(file, () => {
      const sent = JSON.parse(readFileSync(`examples/office/${file}`, 'utf8')) as BillingEncounter;
      const bundle = encounterToClaimBundle(sent).value!;
      const m = buildDft(bundle, { timezone: 'America/New_York', now: new Date('2026-03-10T15:00:00Z') });
      expect(m.issues).to.deep.equal([]);
      expect(validateMessage(m.value!)).to.deep.equal([]);
      const back = readDft(m.value!, { timezone: 'America/New_York' });
      expect(back.issues.filter((i) => i.severity !== 'information')).to.deep.equal([]);
      const pick = (e: BillingEncounter) => ({
        encounterId: e.encounterId, patientMrn: e.patientMrn, patientFamily: e.patientFamily, patientBirthDate: e.patientBirthDate, dateOfService: e.dateOfService,
        placeOfService: e.placeOfService, renderingProviderNpi: e.renderingProviderNpi, billingProviderNpi: e.billingProviderNpi, billingProviderName: e.billingProviderName,
        priorAuthorization: e.priorAuthorization, coverages: e.coverages, diagnoses: e.diagnoses, totalCharge: e.totalCharge,
        lines: e.lines.map((l) => ({ code: l.code, modifiers: l.modifiers, units: l.units, charge: l.charge, pointers: l.pointers })),
      });
      expect(pick(back.value!.encounter)).to.deep.equal(pick(sent));
    });
  }

  it('a claim Bundle without a Patient is an error naming the Bundle, no message', () => {
    const sent = JSON.parse(readFileSync('examples/office/billing-encounter-office-visit.json', 'utf8')) as BillingEncounter;
    const bundle = encounterToClaimBundle(sent).value!;
    const noPatient = { ...bundle, entry: bundle.entry!.filter((e) => e.resource?.resourceType !== 'Patient') };
    const m = buildDft(noPatient, { timezone: 'America/New_York' });
    expect(m.value).to.equal(undefined);
    expect(m.issues.filter((i) => i.severity === 'error').map((i) => i.expression?.[0])).to.include('Bundle.entry');
  });
});
