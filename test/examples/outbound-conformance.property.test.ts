/**
 * Outbound conformance: what our writers emit passes our own message validator (validateMessage,
 * the check the gateway channels answer AE on), for generated office records. Generators are the
 * registration and scheduling ones (test/registration/arbitraries.ts, test/scheduling/helpers.ts).
 */
import { config, expect } from 'chai';
import fc from 'fast-check';
import { appointmentToFhir, type OfficeAppointment } from '../../src/adapters/appointment.js';
import { registrationToFhir, type RegistrationRecord } from '../../src/adapters/registration.js';
import { errorCodeOf, type Issue } from '../../src/domain/issues.js';
import { buildAdt } from '../../src/flows/registration/write.js';
import { runAdt } from '../../src/flows/registration/flow.js';
import { schedulingConverter } from '../../src/flows/scheduling/index.js';
import { hl7v2Of } from '../../src/flows/types.js';
import { parseHl7 } from '../../src/hl7/message.js';
import { validateMessage } from '../../src/hl7/validate.js';
import { registrationRecord } from '../support/registration-arbitraries.js';
import { ctx, memoryLookup, officeAppointmentArb, TZ } from '../support/scheduling.js';

const RUNS = 200;
config.truncateThreshold = 0;
const errors = (issues: readonly Issue[]) => issues
  .filter((i) => i.severity === 'error' || i.severity === 'fatal')
  .map((i) => `${errorCodeOf(i)}@${i.expression?.join(',') ?? ''}: ${i.diagnostics ?? ''}`);

/** Serialize and parse again, as a receiver would, then validate. */
function profileErrors(text: string): string[] {
  const parsed = parseHl7(text);
  expect(errors(parsed.issues), 'parse').to.deep.equal([]);
  return errors(validateMessage(parsed.value!));
}

describe('outbound conformance: generated ADT meets the v2.5.1 message profile (fast-check)', function () {
  this.timeout(300_000);

  for (const event of ['A04', 'A08', 'A28', 'A31']) {
    it(`office registration -> ADT^${event}: no error-level issue (${RUNS} records)`, () => {
      fc.assert(fc.property(registrationRecord, (r: RegistrationRecord) => {
        const fhir = registrationToFhir(r);
        expect(errors(fhir.issues), 'toFhir').to.deep.equal([]);
        const msg = buildAdt(fhir.value!, { timezone: TZ, event });
        expect(errors(msg.issues), 'buildAdt').to.deep.equal([]);
        expect(profileErrors(msg.value!.toString())).to.deep.equal([]);
      }), { numRuns: RUNS });
    });
  }

  it('IN1-2 / IN1-3 stand-ins for a policy without plan or payer id are filled, and read back as nothing', () => {
    const r: RegistrationRecord = {
      recordType: 'registration', mrn: 'MRN-IN1', familyName: 'Sampleperson', sex: 'F',
      insurance: [{ order: 1, payerName: 'Sample Mutual', memberId: 'SM-1', subscriberRelationship: 'self' }],
    } as RegistrationRecord;
    const text = buildAdt(registrationToFhir(r).value!, { timezone: TZ, event: 'A04' }).value!.toString();
    const in1 = parseHl7(text).value!.segment('IN1')!;
    expect(in1.get(2, 3)).to.equal('99FDPAYERPLAN');
    expect(in1.get(3, 4)).to.equal('99FDPAYERKEY');
    expect(in1.get(2, 1)).to.equal(in1.get(3, 1));
    expect(profileErrors(text)).to.deep.equal([]);
    expect(runAdt(parseHl7(text).value!, { timezone: TZ }).value!.office[0]).to.deep.equal(r);
  });
});

describe('outbound conformance: generated SIU meets the v2.5.1 message profile (fast-check)', function () {
  this.timeout(300_000);

  /**
   * The appointment with its patient registered and the appointment itself stored (the gateway's
   * store, as after ADT and an earlier SIU): PID-5 comes from the stored Patient, and the read-back
   * check of an update event (S13/S14/S15...) finds the appointment it updates.
   */
  const withRegisteredPatient = fc.tuple(officeAppointmentArb(), registrationRecord).map(([appt, reg]) => {
    const fhir = appointmentToFhir(appt, { timezone: TZ }).value!;
    const ref = fhir.participant.find((p) => p.actor?.type === 'Patient' || p.actor?.reference?.startsWith('Patient/'))!.actor!.reference!;
    const patient = registrationToFhir({ ...reg, mrn: appt.patientMrn }).value!.patient;
    return { appt, lookup: memoryLookup([{ ...patient, id: ref.split('/')[1] }, fhir]) };
  });

  const events = ['S12', 'S14', 'S15', 'S17', 'S26'];

  it(`office appointment -> SIU (event from its status: ${events.join(', ')}): no error-level issue (${RUNS} records)`, () => {
    const seen = new Set<string>();
    fc.assert(fc.property(withRegisteredPatient, ({ appt, lookup }: { appt: OfficeAppointment; lookup: ReturnType<typeof memoryLookup> }) => {
      const out = schedulingConverter.convert({ kind: 'office', recordType: 'appointment', record: appt }, 'hl7v2', ctx({ lookup }));
      expect(errors(out.issues), 'convert').to.deep.equal([]);
      const text = hl7v2Of(out.value)!;
      seen.add(parseHl7(text).value!.triggerEvent);
      expect(profileErrors(text)).to.deep.equal([]);
    }), { numRuns: RUNS });
    expect([...seen].sort()).to.deep.equal(events);
  });

  it(`office appointment -> SIU with an explicit event (S13 for booked, S16 for cancelled, S14 for any but deleted): no error-level issue (${RUNS} records)`, () => {
    // A deleted appointment (S17) is not modified again: that is a conflict on read-back, by design.
    const withEvent = withRegisteredPatient.filter((x) => x.appt.status !== 'deleted').chain((x) => fc.constantFrom(
      'S14', ...(x.appt.status === 'booked' ? ['S13'] : []), ...(x.appt.status === 'cancelled' ? ['S16'] : []),
    ).map((event) => ({ ...x, event })));
    const seen = new Set<string>();
    fc.assert(fc.property(withEvent, ({ appt, lookup, event }) => {
      const out = schedulingConverter.convert({ kind: 'office', recordType: 'appointment', record: appt }, 'hl7v2', ctx({ lookup, event }));
      expect(errors(out.issues), 'convert').to.deep.equal([]);
      expect(parseHl7(hl7v2Of(out.value)!).value!.triggerEvent).to.equal(event);
      seen.add(event);
      expect(profileErrors(hl7v2Of(out.value)!)).to.deep.equal([]);
    }), { numRuns: RUNS });
    expect([...seen].sort()).to.deep.equal(['S13', 'S14', 'S16']);
  });

  it('known limit: without the registered Patient only the MRN is known, so PID-5 stays empty (a warning from the converter, an error from the profile)', () => {
    fc.assert(fc.property(officeAppointmentArb(), (appt) => {
      const out = schedulingConverter.convert({ kind: 'office', recordType: 'appointment', record: appt }, 'hl7v2', ctx());
      expect(errors(out.issues), 'convert').to.deep.equal([]);
      expect(out.issues.filter((i) => i.severity === 'warning').map((i) => `${errorCodeOf(i)}@${i.expression?.join(',')}`)).to.include('MAP_MISSING@PID.5');
      expect(profileErrors(hl7v2Of(out.value)!).map((e) => e.split(':')[0])).to.deep.equal(['HL7_FIELD_REQUIRED@PID.5']);
    }), { numRuns: RUNS });
  });
});
