/**
 * End to end with the verticals' real flows (registry as shipped, no test flow): HL7v2 over MLLP
 * -> stored -> flow -> resources, office records and outbox items; plus the preliminary ->
 * corrected ORU sequence updating the same resources, and a scheduling sequence that needs the
 * store lookup (reschedule/cancel of a booked appointment).
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Gateway } from '../../src/gateway.js';
import { originalAckMode, startMllpHarness, type MllpHarness } from '../support/gateway.js';
import type { Appointment, DiagnosticReport, Observation } from 'fhir/r4.js';

/** An example message in original acknowledgment mode: one application ACK each. */
function hl7(p: string): string {
  return originalAckMode(readFileSync(resolve('examples/hl7v2', p), 'utf8'));
}

describe('runtime: real flows end to end over MLLP', function () {
  this.timeout(60_000);
  let h: MllpHarness;
  let gw: Gateway;

  before(async () => {
    // Lenient: some example messages omit fields the v2.5.1 profile requires (SCH-16, SCH-20, IN1-2)
    // that the flows do not need; the profile issues come back as warnings.
    h = await startMllpHarness({ validation: 'lenient', destinations: ['ehr', { name: 'inbox', payload: 'office' }] }, {
      mllp: { host: '127.0.0.1', maxFrameBytes: 16 * 1024 * 1024, frameTimeoutMs: 30_000, idleTimeoutMs: 60_000 },
      destinations: { ehr: { type: 'fhir', baseUrl: 'http://127.0.0.1:9/fhir', auth: { type: 'none' } }, inbox: { type: 'http', url: 'http://127.0.0.1:9/inbox', auth: { type: 'none' } } },
    });
    gw = h.gw;
  });

  after(() => h.close());

  /** Send, read the application ACK (skipping a commit ACK in enhanced mode), return the stored row. */
  const send = (text: string) => h.send(text);

  it('ADT^A04 -> Patient and Coverage stored, registration office record, queued for the EHR', async () => {
    const { ack, row } = await send(hl7('adt-a04.hl7'));
    expect(ack).to.equal('AA', JSON.stringify(row.issues.filter((i) => i.severity === 'error')));
    expect(row.flow).to.equal('adt-registration');
    expect(await gw.store.resources.count('Patient')).to.equal(1);
    expect(await gw.store.resources.count('Coverage')).to.be.greaterThan(0);
    expect((await gw.store.officeRecords.of(row.id)).length).to.be.greaterThan(0);
    const items = (await gw.store.outbox.list({})).filter((o) => o.messageId === row.id);
    expect(items.map((o) => o.kind)).to.include.members(['fhir-bundle', 'office-record']);
  });

  it('ADT^A08 sent twice (new control id) updates the same Patient id', async () => {
    const a08 = hl7('registration/adt-a08-update.hl7');
    const first = await send(a08);
    expect(first.ack).to.equal('AA');
    const patients = await gw.store.resources.count('Patient');
    const second = await send(a08.replace('|REG0002|', '|REG0002-B|'));
    expect(second.ack).to.equal('AA');
    expect(second.row.id).to.not.equal(first.row.id);
    expect(await gw.store.resources.count('Patient')).to.equal(patients);
  });

  it('ORU^R01 -> DiagnosticReport and Observations stored, results-inbox record', async () => {
    const { ack, row } = await send(hl7('oru-r01.hl7'));
    expect(ack).to.equal('AA', JSON.stringify(row.issues.filter((i) => i.severity === 'error')));
    expect(row.flow).to.equal('oru-lab-results');
    expect(await gw.store.resources.count('DiagnosticReport')).to.be.greaterThan(0);
    expect(await gw.store.resources.count('Observation')).to.be.greaterThan(0);
    expect((await gw.store.officeRecords.of(row.id)).some((r) => r.recordType === 'results-inbox-item')).to.equal(true);
    // Bundle-internal urn:uuid references are stored as Type/id, pointing at stored resources.
    const results = [...(await gw.store.resources.listOfType<Observation>('Observation')), ...(await gw.store.resources.listOfType<DiagnosticReport>('DiagnosticReport'))];
    const refs = results.map((x) => x.subject?.reference ?? null);
    expect(refs.length).to.be.greaterThan(0);
    for (const ref of refs) {
      expect(ref).to.match(/^Patient\/[A-Za-z0-9.-]+$/);
      expect(await gw.store.resources.count('Patient')).to.be.greaterThan(0);
      const [, id] = ref!.split('/');
      expect(await gw.store.resources.get('Patient', id!), ref!).to.not.equal(undefined);
    }
  });

  it('a preliminary then a corrected ORU update the same report (no new DiagnosticReport)', async () => {
    const pre = await send(hl7('labs/oru-r01-cbc-preliminary.hl7'));
    expect(pre.ack).to.equal('AA', JSON.stringify(pre.row.issues.filter((i) => i.severity === 'error')));
    const reports = await gw.store.resources.count('DiagnosticReport');
    const corrected = await send(hl7('labs/oru-r01-cbc-corrected.hl7'));
    expect(corrected.ack).to.equal('AA');
    expect(await gw.store.resources.count('DiagnosticReport')).to.equal(reports);
  });

  it('SIU S12 then S15 for the same appointment: booked, then cancelled through the store lookup', async () => {
    const s12 = await send(hl7('scheduling/s12-new.hl7'));
    expect(s12.ack).to.equal('AA', JSON.stringify(s12.row.issues.filter((i) => i.severity === 'error')));
    const appts = await gw.store.resources.count('Appointment');
    const s15 = await send(hl7('scheduling/s15-cancel.hl7'));
    expect(s15.ack).to.equal('AA', JSON.stringify(s15.row.issues.filter((i) => i.severity === 'error')));
    expect(await gw.store.resources.count('Appointment')).to.equal(appts);
    const status = (await gw.store.resources.listOfType<Appointment>('Appointment')).map((r) => r.status);
    expect(status).to.include('cancelled');
  });

  it('a 5 MB ORU (embedded base64 PDF, ED) goes through one MLLP frame, is stored whole and processed', async () => {
    const small = hl7('labs/oru-r01-pdf-report.hl7');
    const m = /\^PDF\^Base64\^([A-Za-z0-9+/=]+)/.exec(small)!;
    const pdf = Buffer.alloc(3_900_000, 0x25).toString('base64'); // ~5.2 MB of base64
    const big = small.replace(m[1]!, pdf).replace('|PDF-700|', '|PDF-BIG|');
    expect(big.length).to.be.greaterThan(5_000_000);
    const { ack, row } = await send(big);
    expect(ack).to.equal('AA', JSON.stringify(row.issues.filter((i) => i.severity === 'error')));
    expect(row.raw.length).to.equal(big.length);
  });

  it('DFT^P03 -> processed by the billing flow', async () => {
    const { ack, row } = await send(hl7('billing/dft-p03-office-visit.hl7'));
    expect(row.flow).to.equal('dft-billing');
    expect(ack).to.equal('AA', JSON.stringify(row.issues.filter((i) => i.severity === 'error')));
  });
});
