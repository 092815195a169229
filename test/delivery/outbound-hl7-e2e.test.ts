/**
 * End to end on real sockets: office records posted to the gateway's HTTP office endpoint are
 * stored, converted through FHIR, turned into HL7v2 for an MLLP destination with payload "hl7v2"
 * (ADT, SIU, DFT^P03), validated, given durable control ids, and delivered by the outbox worker to
 * a local MLLP partner that checks every message with our own validator and answers as told.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MllpClient } from '../../src/clients/mllp.js';
import { checkConfig, type GatewayConfig } from '../../src/config.js';
import { issue } from '../../src/domain/issues.js';
import { parseDeliveryConfig } from '../../src/delivery/config.js';
import { startDeliveryWorker, type DeliveryWorker } from '../../src/delivery/worker.js';
import { parseHl7, type Hl7Message } from '../../src/hl7/message.js';
import type { Patient } from 'fhir/r4.js';
import { patientId } from '../../src/fhir/ids.js';
import { PRACTICE_MRN_SYSTEM } from '../../src/adapters/registration-record.js';
import { silentLogger } from '../../src/logging.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { startPartner, type Partner, type PartnerReply } from '../clients/mllp-partner.js';
import { cliEnv, testStoreConfig } from '../support/engine.js';

const KEY = 'outbound-test-key';
const MRN = 'MRN100234';
const registration = () => JSON.parse(readFileSync('examples/office/registration-basic.json', 'utf8')) as Record<string, unknown>;
const appointment = (over: Record<string, unknown> = {}) => ({
  ...(JSON.parse(readFileSync('examples/office/appointment-booked.json', 'utf8')) as Record<string, unknown>), patientMrn: MRN, ...over,
});
const billing = () => ({ ...(JSON.parse(readFileSync('examples/office/billing-encounter-office-visit.json', 'utf8')) as Record<string, unknown>), patientMrn: MRN });

const header = (m: string) => parseHl7(m).value!;
const typeOf = (m: string) => header(m).messageType;
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!cond()) throw new Error(`never happened: ${what}`);
}
const errorsOf = (issues: Array<{ severity: string }>) => issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');

describe('outbound HL7v2 end to end: office post -> gateway -> outbox worker -> MLLP partner', function () {
  this.timeout(30_000);
  let dir: string;
  let gateway: Gateway | undefined;
  let worker: DeliveryWorker | undefined;
  let partner: Partner;
  let replies: PartnerReply[];
  /** The worker's clock runs this far ahead of the wall clock (the retry test moves it on). */
  let ahead: number;

  const configFor = (port: number, hl7: Record<string, unknown> = {}) => ({
    practice: { name: 'Test practice', timezone: 'America/New_York' },
    store: testStoreConfig(join(dir, 'store.sqlite')),
    log: { level: 'silent' },
    http: { host: '127.0.0.1', port: 0, auth: { keys: [{ name: 'all', key: KEY, scopes: ['*'] }] } },
    channels: [
      { name: 'office-api', source: { http: { path: '/office' } }, destinations: [{ name: 'ehr', payload: 'hl7v2' }] },
      { name: 'adt-in', source: { mllp: { port: 0 } }, messageTypes: ['ADT^*'], destinations: [{ name: 'ehr', payload: 'hl7v2' }] },
      { name: 'lab-in', source: { mllp: { port: 0 } }, messageTypes: ['ORU^R01'], destinations: [{ name: 'ehr', payload: 'hl7v2' }] },
    ],
    destinations: {
      ehr: {
        type: 'mllp', host: '127.0.0.1', port, ackTimeoutMs: 400,
        retry: { maxAttempts: 5, baseDelayMs: 60_000, maxDelayMs: 600_000, jitter: 0 },
        hl7: { receivingApplication: 'EPICADT', receivingFacility: 'MAINCAMPUS', sendingFacility: 'MAPLEST', ...hl7 },
      },
    },
  });

  async function start(json: Record<string, unknown>): Promise<GatewayConfig> {
    writeFileSync(join(dir, 'gateway.json'), JSON.stringify(json));
    const cfg = checkConfig(json, dir, {});
    expect(cfg.issues).to.deep.equal([]);
    gateway = await startGateway(cfg.value!, { log: silentLogger });
    const delivery = parseDeliveryConfig({ destinations: json.destinations }).value!;
    worker = startDeliveryWorker({ store: gateway.store, destinations: delivery.destinations, autoStart: false, now: () => new Date(Date.now() + ahead), random: () => 0 });
    return cfg.value!;
  }

  async function post(kind: string, record: unknown): Promise<number> {
    const r = await fetch(`${gateway!.http.url}/office/${kind}`, {
      method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(record),
    });
    const body = await r.text();
    expect(r.status, body).to.equal(201);
    return Number(r.headers.get('x-frontdesk-message-id'));
  }

  const outbox = () => gateway!.store.outbox.list({ destination: 'ehr', limit: 1000 });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'frontdesk-outbound-'));
    replies = [];
    ahead = 0;
    partner = await startPartner((_m, i) => replies[i] ?? 'AA');
  });
  afterEach(async () => {
    await worker?.stop();
    await gateway?.close();
    worker = undefined;
    gateway = undefined;
    await partner.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registration, appointment and billing go out as ADT^A04, SIU^S12, DFT^P03: profile-valid, addressed as configured, in order', async () => {
    await start(configFor(partner.port));
    await post('registration', registration());
    await post('appointment', appointment());
    await post('billing', billing());
    expect((await outbox()).map((i) => `${i.kind}:${i.state}`)).to.deep.equal(['hl7v2-generated:pending', 'hl7v2-generated:pending', 'hl7v2-generated:pending']);
    await worker!.drain();
    expect(partner.received.map(typeOf)).to.deep.equal(['ADT^A04', 'SIU^S12', 'DFT^P03']);
    // The partner's own check (our validator) finds no error in anything we sent.
    expect(partner.issues.map(errorsOf)).to.deep.equal([[], [], []]);
    const msgs = partner.received.map(header);
    for (const m of msgs) {
      expect([m.msh.get(3), m.msh.get(4), m.msh.get(5), m.msh.get(6), m.msh.get(11), m.msh.get(15), m.msh.get(16)])
        .to.deep.equal(['FRONTDESK', 'MAPLEST', 'EPICADT', 'MAINCAMPUS', 'P', '', '']);
    }
    // MSH-10 from the durable allocator, one per message, in the order they were queued.
    const ids = await gateway!.store.controlIds.list('ehr');
    expect(msgs.map((m) => m.controlId)).to.deep.equal(ids.map((i) => i.controlId));
    expect(ids.map((i) => i.controlId)).to.deep.equal(['FD1', 'FD2', 'FD3']);
    // Built through FHIR from the records: the registered patient in PID of all three.
    expect(msgs.map((m) => [m.segment('PID')!.get(3), m.segment('PID')!.get(5)])).to.deep.equal([[MRN, 'Testperson'], [MRN, 'Testperson'], [MRN, 'Testperson']]);
    expect(msgs[2]!.all('FT1').map((s) => s.get(7))).to.deep.equal(['99213', '87880']);
    expect((await outbox()).map((i) => `${i.state}:${i.partnerStatus}`)).to.deep.equal(['delivered:AA', 'delivered:AA', 'delivered:AA']);
  });

  it('changes send what they mean: A08 for an update, nothing for the same record again, S13 for a move, S15 for a cancellation', async () => {
    await start(configFor(partner.port));
    await post('registration', registration());
    await post('registration', { ...registration(), homePhone: '(217) 555-0199' });
    await post('registration', { ...registration(), homePhone: '(217) 555-0199' });
    await post('appointment', appointment());
    await post('appointment', appointment({ start: '2024-03-01T10:00:00-05:00' }));
    await post('appointment', appointment({ start: '2024-03-01T10:00:00-05:00', status: 'cancelled', cancellationReason: 'Patient request' }));
    await worker!.drain();
    expect(partner.received.map(typeOf)).to.deep.equal(['ADT^A04', 'ADT^A08', 'SIU^S12', 'SIU^S13', 'SIU^S15']);
    expect(partner.issues.map(errorsOf).flat()).to.deep.equal([]);
    expect(header(partner.received[1]!).segment('PID')!.get(13, 1)).to.equal('(217) 555-0199');
  });

  it('person-level registration events and enhanced acknowledgment mode as the destination says', async () => {
    replies = [{ commit: 'CA', app: 'AA', appAckWants: 'AL' }];
    await start(configFor(partner.port, { registrationEvents: 'person', acceptAckType: 'AL', applicationAckType: 'AL', applicationAckTimeoutMs: 2000, controlIdPrefix: 'MAPLE' }));
    await post('registration', registration());
    await worker!.drain();
    const m = header(partner.received[0]!);
    expect([m.messageType, m.msh.get(15), m.msh.get(16), m.controlId]).to.deep.equal(['ADT^A28', 'AL', 'AL', 'MAPLE1']);
    expect(m.segment('PV1')!.get(2)).to.equal('N');
    expect(errorsOf(partner.issues[0]!)).to.deep.equal([]);
    // Delivered on the application ACK, and we committed the partner's application ACK (it asked, MSH-15 AL).
    expect((await outbox()).map((i) => `${i.state}:${i.partnerStatus}`)).to.deep.equal(['delivered:AA']);
    await until(() => partner.acksFromGateway.length > 0, 'our commit ACK reaches the partner');
    expect(partner.acksFromGateway.map((a) => header(a).segment('MSA')!.get(1))).to.deep.equal(['CA']);
  });

  for (const code of ['AE', 'AR'] as const) {
    it(`${code}: dead letter, with the partner's MSA-3 text and ERR segments in 'deadletter show' and the operator API`, async () => {
      replies = [{ code, text: 'Patient not on file at MAINCAMPUS', issues: [issue('HL7_FIELD_REQUIRED', 'Primary care provider required by EHR.', 'PD1.4')] }];
      const cfg = await start(configFor(partner.port));
      await post('registration', registration());
      await post('registration', { ...registration(), homePhone: '(217) 555-0199' });
      await worker!.drain();
      // The A08 waits behind its dead A04: per-patient order holds.
      expect(partner.received.map(typeOf)).to.deep.equal(['ADT^A04']);
      const [dead, waiting] = (await outbox());
      expect([dead!.state, dead!.lastErrorCode, dead!.partnerStatus, waiting!.state, waiting!.attempts]).to.deep.equal(['dead', 'DELIVERY_REJECTED', code, 'pending', 0]);
      // last_error (logged) names locations and codes only; the free text is read out of the ACK.
      expect(dead!.lastError).to.contain(`ACK ${code} (ERR PD1.4 101)`).and.not.contain('Patient not on file');
      const expected = {
        code, acknowledges: 'FD1', text: 'Patient not on file at MAINCAMPUS',
        errors: [{ location: 'PD1.4', code: '101', codeText: 'Required field missing', severity: 'E', applicationCode: 'HL7_FIELD_REQUIRED', message: 'Primary care provider required by EHR.' }],
      };
      const api = await fetch(`${gateway!.http.url}/deliveries/${dead!.id}`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(((await api.json()) as { partnerAck: unknown }).partnerAck).to.deep.equal(expected);
      await gateway!.close();
      gateway = undefined;
      const cli = spawnSync(process.execPath, [resolve('bin/frontdesk.js'), 'deadletter', 'show', String(dead!.id), '--config', join(dir, 'gateway.json'), '--db', cfg.store.path], { encoding: 'utf8', env: { ...process.env, ...cliEnv(['--db', cfg.store.path]) } });
      expect(cli.status, cli.stderr).to.equal(0);
      expect(JSON.parse(cli.stdout).partnerAck).to.deep.equal(expected);
    });
  }

  it('no ACK within the timeout: retried by the retry policy with the same control id, and the patient\'s next message waits', async () => {
    replies = ['silent'];
    await start(configFor(partner.port));
    await post('registration', registration());
    await post('registration', { ...registration(), homePhone: '(217) 555-0199' });
    await worker!.drain();
    const [first, second] = (await outbox());
    expect([first!.state, first!.attempts, first!.lastErrorCode, first!.lastError]).to.deep.equal(['pending', 1, 'DELIVERY_TRANSIENT', 'no ACK within 400 ms']);
    expect(second!.state).to.equal('pending');
    expect(partner.received.map(typeOf)).to.deep.equal(['ADT^A04']);
    await worker!.drain(); // not due yet (baseDelayMs 60 s): nothing is sent
    expect(partner.received).to.have.length(1);
    ahead += 61_000;
    await worker!.drain();
    expect(partner.received.map(typeOf)).to.deep.equal(['ADT^A04', 'ADT^A04', 'ADT^A08']);
    // A retry is the same message: same MSH-10, so the partner can tell it is a resend.
    expect(partner.received.map((m) => header(m).controlId)).to.deep.equal(['FD1', 'FD1', 'FD2']);
    expect((await outbox()).map((i) => i.state)).to.deep.equal(['delivered', 'delivered']);
  });

  it('a message that fails its profile goes to dead letter with the issues and is never sent, even when replayed', async () => {
    await start(configFor(partner.port));
    // No registration for this MRN: the SIU's PID-5 (required in v2.5.1) cannot be filled.
    await post('appointment', appointment({ patientMrn: 'MRN-NOT-REGISTERED' }));
    const [item] = (await outbox());
    expect([item!.state, item!.attempts, item!.lastErrorCode, item!.orderingKey]).to.deep.equal(['dead', 0, 'HL7_FIELD_REQUIRED', null]);
    expect(item!.lastError).to.match(/^not sent: .*PID\.5: PID-5 \(XPN\) is required and empty/);
    await worker!.drain();
    const replay = await fetch(`${gateway!.http.url}/deliveries/${item!.id}/replay`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` } });
    expect(replay.status).to.equal(200);
    await worker!.drain();
    expect(partner.received).to.deep.equal([]);
    expect((await outbox())[0]!.state).to.equal('dead');
  });

  it('control ids are durable: after a restart on the same store numbering goes on and no id is used twice', async () => {
    await start(configFor(partner.port));
    await post('registration', registration());
    await post('appointment', appointment());
    await worker!.drain();
    await worker!.stop();
    await gateway!.close();
    worker = undefined;
    gateway = undefined;

    await start(configFor(partner.port));
    await post('registration', { ...registration(), homePhone: '(217) 555-0199' });
    await post('appointment', appointment({ start: '2024-03-01T09:00:00-05:00' }));
    await worker!.drain();
    const sent: Hl7Message[] = partner.received.map(header);
    expect(sent.map((m) => `${m.messageType} ${m.controlId}`)).to.deep.equal(['ADT^A04 FD1', 'SIU^S12 FD2', 'ADT^A08 FD3', 'SIU^S13 FD4']);
    expect(new Set(sent.map((m) => m.controlId)).size).to.equal(4);
  });

  it('an office merge (POST /office/merge, MRNs only) goes out as ADT^A40: survivor in PID, retired MRN in MRG-1; the store re-points the retired record\'s appointment and the instruction lists it', async () => {
    await start(configFor(partner.port));
    const RETIRED = 'MRN100999';
    await post('registration', registration());
    await post('registration', { ...registration(), mrn: RETIRED, givenName: 'Avery-Dup', insurance: [] });
    await post('appointment', appointment({ patientMrn: RETIRED }));
    const mergeId = await post('merge', { recordType: 'merge-instruction', survivingMrn: MRN, retiredMrn: RETIRED });
    await worker!.drain();
    expect(partner.received.map(typeOf)).to.deep.equal(['ADT^A04', 'ADT^A04', 'SIU^S12', 'ADT^A40']);
    // The partner's own check (our validator) finds no error in the A40 either.
    expect(partner.issues.map(errorsOf)).to.deep.equal([[], [], [], []]);
    const a40 = header(partner.received[3]!);
    expect([a40.segment('PID')!.get(3), a40.segment('PID')!.get(5), a40.segment('MRG')!.get(1), a40.segment('EVN')!.get(1), a40.controlId])
      .to.deep.equal([MRN, 'Testperson', RETIRED, 'A40', 'FD4']);
    // In the gateway's store: the retired Patient keeps its own name, inactive, replaced-by the survivor;
    // the appointment booked under the retired MRN now points at the survivor.
    const survivorId = patientId({ system: PRACTICE_MRN_SYSTEM, value: MRN });
    const retiredId = patientId({ system: PRACTICE_MRN_SYSTEM, value: RETIRED });
    const retired = (await gateway!.store.resources.get('Patient', retiredId))!.resource as Patient;
    expect([retired.active, retired.name?.[0]?.given?.[0], retired.link?.[0]]).to.deep.equal([false, 'Avery-Dup', { other: { reference: `Patient/${survivorId}` }, type: 'replaced-by' }]);
    const survivor = (await gateway!.store.resources.get('Patient', survivorId))!.resource as Patient;
    expect(survivor.link).to.deep.equal([{ other: { reference: `Patient/${retiredId}` }, type: 'replaces' }]);
    const [appt] = (await gateway!.store.resources.referencing(`Patient/${survivorId}`)).filter((r) => r.resource.resourceType === 'Appointment');
    expect(appt, 'the appointment is re-pointed').to.not.equal(undefined);
    const [instruction] = await gateway!.store.officeRecords.of(mergeId);
    expect(instruction).to.deep.include({ recordType: 'merge-instruction', survivingPatientId: survivorId, retiredPatientId: retiredId, repointed: [`Appointment/${appt!.resource.id}`] });
  });

  it('an office merge that cannot be applied is refused naming the field: a survivor not registered here, a Patient id that is not its MRN\'s', async () => {
    await start(configFor(partner.port));
    await post('registration', registration());
    const refuse = async (record: Record<string, unknown>) => {
      const r = await fetch(`${gateway!.http.url}/office/merge`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(record) });
      const body = (await r.json()) as { issue: Array<{ severity: string; expression?: string[] }> };
      return [r.status, body.issue.filter((i) => i.severity === 'error').map((i) => i.expression?.[0])];
    };
    expect(await refuse({ recordType: 'merge-instruction', survivingMrn: 'MRN-NOBODY', retiredMrn: MRN })).to.deep.equal([422, ['survivingMrn']]);
    expect(await refuse({ recordType: 'merge-instruction', survivingMrn: MRN, retiredMrn: 'MRN100999', retiredPatientId: 'someone-else' })).to.deep.equal([409, ['retiredPatientId']]);
    // No retired MRN: named first (its Patient id cannot be derived without it, so the schema names that too).
    expect(await refuse({ recordType: 'merge-instruction', survivingMrn: MRN })).to.deep.equal([422, ['retiredMrn', 'retiredPatientId']]);
    await worker!.drain();
    expect(partner.received.map(typeOf)).to.deep.equal(['ADT^A04']);
  });

  it('an inbound ADT on an MLLP channel is passed on as generated HL7v2: the registration as A04, the merge as A40 with the survivor in PID and the retired MRN in MRG-1', async () => {
    await start(configFor(partner.port));
    const sender = new MllpClient({ host: '127.0.0.1', port: gateway!.mllp[0]!.address().port, tls: false, connectTimeoutMs: 5000, ackTimeoutMs: 20_000, idleTimeoutMs: 60_000 });
    try {
      const a40 = readFileSync('examples/hl7v2/registration/adt-a40-merge.hl7', 'utf8').replace(/\r?\n/g, '\r');
      const a04 = a40.replace('ADT^A40^ADT_A39|REG0004', 'ADT^A04^ADT_A01|REG0003').replace('EVN|A40', 'EVN|A04').replace(/MRG\|[^\r]*\r/, 'PV1|1|O\r');
      expect((await sender.send(a04)).ok).to.equal(true);
      expect((await sender.send(a40)).ok).to.equal(true);
    } finally {
      sender.close();
    }
    await worker!.drain();
    expect(partner.received.map(typeOf)).to.deep.equal(['ADT^A04', 'ADT^A40']);
    expect(partner.issues.map(errorsOf)).to.deep.equal([[], []]);
    const merge = header(partner.received[1]!);
    expect([merge.segment('PID')!.get(3), merge.segment('PID')!.get(5), merge.segment('MRG')!.get(1), merge.controlId]).to.deep.equal(['MRN200311', 'Examplefamily', 'MRN999001', 'FD2']);
  });

  it('an inbound ORU^R01 on an MLLP channel goes out as a generated ORU^R01 (src/flows/labs/write.ts), profile-valid, addressed as configured; the same results again send nothing', async () => {
    await start(configFor(partner.port));
    const sender = new MllpClient({ host: '127.0.0.1', port: gateway!.mllp[1]!.address().port, tls: false, connectTimeoutMs: 5000, ackTimeoutMs: 20_000, idleTimeoutMs: 60_000 });
    const oru = readFileSync('examples/hl7v2/labs/oru-r01-cbc-final.hl7', 'utf8').replace(/\r?\n/g, '\r');
    try {
      expect((await sender.send(oru)).ok).to.equal(true);
      expect((await sender.send(oru.replace('|LAB-0002|', '|LAB-0003|'))).ok).to.equal(true);
    } finally {
      sender.close();
    }
    // MSH-15 AL / MSH-16 NE: the commit ACK says stored, not processed (on PostgreSQL processing runs
    // in transactions of its own, beside intake's commits): wait until both are processed.
    while ((await gateway!.store.messages.count({ state: 'received' })) > 0) await new Promise((r) => setTimeout(r, 20));
    await worker!.drain();
    expect(partner.received.map(typeOf)).to.deep.equal(['ORU^R01']);
    expect(partner.issues.map(errorsOf)).to.deep.equal([[]]);
    const sent = header(partner.received[0]!);
    expect([sent.segment('OBR')!.get(2), sent.segment('OBR')!.get(3), sent.segment('ORC')!.get(12, 1), sent.segment('MSH')!.get(5)]).to.deep.equal(['ORD1001', 'LAB778899', '1234567893', 'EPICADT']);
    expect(sent.segments.filter((x) => x.name === 'OBX')).to.have.length(6);
  });
});
