import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Appointment, Bundle, OperationOutcome } from 'fhir/r4.js';

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['bin/frontdesk.js', 'convert', ...args, '--timezone', 'America/New_York'], { input, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const where = (out: string) => (JSON.parse(out) as OperationOutcome).issue.map((i) => `${i.details?.coding?.[0]?.code}@${i.expression?.join(',')}`);

describe('scheduling: frontdesk convert (CLI)', function () {
  // Each run starts a node process that loads the validator; generous on a busy machine.
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'fd-sched-'));

  it('office appointment --to fhir prints a valid Appointment (exit 0)', () => {
    const r = run(['examples/office/appointment-booked.json', '--to', 'fhir']);
    expect(r.code, r.err).to.equal(0);
    const a = JSON.parse(r.out) as Appointment;
    expect(a.resourceType).to.equal('Appointment');
    expect([a.status, a.start, a.end]).to.deep.equal(['booked', '2024-03-01T08:30:00-05:00', '2024-03-01T09:00:00-05:00']);
  });

  it('office --to hl7v2 --event S13, then that SIU from stdin --to office gives the record back', () => {
    const siu = run(['examples/office/appointment-booked.json', '--to', 'hl7v2', '--event', 'S13']);
    expect(siu.code, siu.err).to.equal(0);
    expect(siu.out).to.match(/^MSH\|\^~\\&\|FRONTDESK\|/);
    expect(siu.out).to.contain('|SIU^S13^SIU_S12|');
    const back = run(['-', '--to', 'office'], siu.out);
    expect(back.code, back.out + back.err).to.equal(0);
    expect(JSON.parse(back.out)).to.include({ id: 'A-20240301-0830', status: 'booked', patientMrn: 'MRN1001', durationMinutes: 30 });
  });

  it('SIU --to fhir prints a transaction Bundle of PUTs; --to office prints the record', () => {
    const fhir = run(['examples/hl7v2/scheduling/s15-cancel.hl7', '--to', 'fhir']);
    expect(fhir.code, fhir.err).to.equal(0);
    const b = JSON.parse(fhir.out) as Bundle;
    expect(b.type).to.equal('transaction');
    expect(b.entry!.every((e) => e.request!.method === 'PUT')).to.equal(true);
    expect((b.entry!.find((e) => e.resource!.resourceType === 'Appointment')!.resource as Appointment).status).to.equal('cancelled');
    const office = run(['examples/hl7v2/scheduling/s26-noshow.hl7', '--to', 'office']);
    expect(office.code, office.err).to.equal(0);
    expect(JSON.parse(office.out)).to.include({ status: 'no-show', cancellationReason: 'Patient did not arrive' });
  });

  it('a FHIR Appointment --to hl7v2 picks the event from its status', () => {
    const a = JSON.parse(run(['examples/office/appointment-cancelled.json', '--to', 'fhir']).out) as Appointment;
    const file = join(dir, 'appointment.json');
    writeFileSync(file, JSON.stringify(a));
    const r = run([file, '--to', 'hl7v2']);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.contain('|SIU^S15^SIU_S12|');
  });

  it('bad input exits 1 with an OperationOutcome naming the field', () => {
    const noIds = join(dir, 'no-ids.hl7');
    writeFileSync(noIds, 'MSH|^~\\&|EHR|C|FD|P|20240301||SIU^S12^SIU_S12|1|P|2.5.1\rSCH|||||||ROUTINE\rTQ1|1||||||20240301083000-0500|20240301085000-0500\rPID|1||M1^^^FRONTDESK^MR||Doe^Jo||19800101|F\r');
    const r1 = run([noIds, '--to', 'fhir']);
    expect(r1.code).to.equal(1);
    expect(where(r1.out)).to.include('MAP_MISSING@SCH.1,SCH.2');

    const unknownEvent = join(dir, 's99.hl7');
    writeFileSync(unknownEvent, 'MSH|^~\\&|EHR|C|FD|P|20240301||SIU^S99|1|P|2.5.1\rSCH|P1|F1\r');
    const r2 = run([unknownEvent, '--to', 'office']);
    expect(r2.code).to.equal(1);
    // Unsupported event: one error naming MSH.9 (the rest of the profile's findings are tolerated warnings).
    const errs = (JSON.parse(r2.out) as OperationOutcome).issue.filter((i) => i.severity === 'error').map((i) => `${i.details?.coding?.[0]?.code}@${i.expression?.join(',')}`);
    expect(errs).to.deep.equal(['HL7_MESSAGE_TYPE@MSH.9']);

    const cancelledNoReason = join(dir, 'cancelled.json');
    writeFileSync(cancelledNoReason, JSON.stringify({ recordType: 'appointment', id: 'A1', patientMrn: 'M1', status: 'cancelled' }));
    const r3 = run([cancelledNoReason, '--to', 'fhir']);
    expect(r3.code).to.equal(1);
    expect(where(r3.out).some((w) => w.startsWith('OFFICE_SCHEMA'))).to.equal(true);

    const r4 = run(['examples/office/appointment-booked.json', '--to', 'hl7v2', '--event', 'S15']);
    expect(r4.code).to.equal(1);
    expect(where(r4.out)).to.include('MAP_CONFLICT@Appointment.status');
  });
});
