/**
 * The reverse direction writes what it reads, end to end: one Frontdesk gateway (the office's)
 * turns office records into HL7v2 for its MLLP destination; the destination is a second Frontdesk
 * gateway (the "EHR") that reads them with our own inbound flows into its own SQLite store. For each
 * outbound message type (ADT A04/A08/A28/A31/A40, SIU S12/S13/S14/S15/S17/S26, DFT^P03) the office
 * record the receiver makes of the message is compared with the record the office posted.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Patient } from 'fhir/r4.js';
import { checkConfig } from '../../src/config.js';
import { parseDeliveryConfig } from '../../src/delivery/config.js';
import { startDeliveryWorker, type DeliveryWorker } from '../../src/delivery/worker.js';
import { parseHl7 } from '../../src/hl7/message.js';
import { patientId } from '../../src/fhir/ids.js';
import { PRACTICE_MRN_SYSTEM } from '../../src/adapters/registration-record.js';
import { silentLogger } from '../../src/logging.js';
import { startGateway, type Gateway } from '../../src/gateway.js';

const KEY = 'roundtrip-test-key';
const MRN = 'MRN100234';
const load = (f: string) => JSON.parse(readFileSync(`examples/office/${f}`, 'utf8')) as Record<string, unknown>;
const registration = () => load('registration-basic.json');
const appointment = (over: Record<string, unknown> = {}) => ({ ...load('appointment-booked.json'), patientMrn: MRN, ...over });
const billing = () => ({ ...load('billing-encounter-office-visit.json'), patientMrn: MRN });
type Rec = Record<string, unknown>;

/**
 * A billing encounter with the defaults the office may leave out written in, as DFT^P03 states
 * them: the currency (USD, FT1-11.2) and each line's date of service (FT1-4, the encounter's date
 * when the line names none). Nothing else is normalised.
 */
function withBillingDefaults(r: Rec): Rec {
  if (r.recordType !== 'billing-encounter') return r;
  const lines = (r.lines as Rec[]).map((l) => ({ ...l, dateOfService: l.dateOfService ?? r.dateOfService }));
  return { ...r, currency: r.currency ?? 'USD', lines };
}

describe('outbound HL7v2 round trip: office record -> our HL7v2 over MLLP -> our inbound -> the same record', function () {
  this.timeout(60_000);
  let dir: string;
  let office: Gateway | undefined;
  let ehr: Gateway | undefined;
  let worker: DeliveryWorker | undefined;

  async function start(hl7: Rec = {}): Promise<void> {
    const ehrCfg = checkConfig({
      practice: { name: 'EHR', timezone: 'America/New_York' },
      store: { path: join(dir, 'ehr.sqlite') },
      log: { level: 'silent' },
      http: { host: '127.0.0.1', port: 0, auth: { keys: [{ name: 'all', key: KEY, scopes: ['*'] }] } },
      channels: [{ name: 'from-office', source: { mllp: { port: 0 } }, messageTypes: ['ADT^*', 'SIU^*', 'DFT^*'], destinations: [] }],
    }, dir, {});
    expect(ehrCfg.issues).to.deep.equal([]);
    ehr = await startGateway(ehrCfg.value!, { log: silentLogger });
    const destinations = {
      ehr: {
        type: 'mllp', host: '127.0.0.1', port: ehr.mllp[0]!.address().port, ackTimeoutMs: 20_000,
        retry: { maxAttempts: 2, baseDelayMs: 60_000, maxDelayMs: 600_000, jitter: 0 },
        hl7: { receivingApplication: 'EHR', receivingFacility: 'MAIN', sendingFacility: 'MAPLEST', ...hl7 },
      },
    };
    const officeCfg = checkConfig({
      practice: { name: 'Office', timezone: 'America/New_York' },
      store: { path: join(dir, 'office.sqlite') },
      log: { level: 'silent' },
      http: { host: '127.0.0.1', port: 0, auth: { keys: [{ name: 'all', key: KEY, scopes: ['*'] }] } },
      channels: [{ name: 'office-api', source: { http: { path: '/office' } }, destinations: [{ name: 'ehr', payload: 'hl7v2' }] }],
      destinations,
    }, dir, {});
    expect(officeCfg.issues).to.deep.equal([]);
    office = await startGateway(officeCfg.value!, { log: silentLogger });
    worker = startDeliveryWorker({ store: office.store, destinations: parseDeliveryConfig({ destinations }).value!.destinations, autoStart: false });
  }

  /** Post to the office gateway; the record as it keeps it (defaults filled). */
  async function post(kind: string, record: unknown): Promise<Rec> {
    const r = await fetch(`${office!.http.url}/office/${kind}`, {
      method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(record),
    });
    expect(r.status, await r.text()).to.equal(201);
    const [kept] = await office!.store.officeRecords.of(Number(r.headers.get('x-frontdesk-message-id')));
    return kept as unknown as Rec;
  }

  /** Deliver everything queued; the EHR's view: per message received, its type, ACK and office records. */
  async function deliver(): Promise<Array<{ type: string; ack: string | null; records: Rec[]; errors: unknown[] }>> {
    await worker!.drain();
    const items = await office!.store.outbox.list({ destination: 'ehr', limit: 1000 });
    expect(items.map((i) => i.state), JSON.stringify(items.map((i) => i.lastError))).to.satisfy((s: string[]) => s.every((x) => x === 'delivered'));
    const rows = await ehr!.store.messages.list({ limit: 1000 });
    const out = [];
    for (const row of [...rows].sort((a, b) => a.id - b.id)) {
      const full = (await ehr!.store.messages.get(row.id))!;
      out.push({
        type: parseHl7(full.raw).value!.messageType,
        ack: full.ackCode,
        records: (await ehr!.store.officeRecords.of(row.id)) as unknown as Rec[],
        errors: full.issues.filter((i) => i.severity === 'error' || i.severity === 'fatal'),
      });
    }
    return out;
  }

  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'frontdesk-roundtrip-')); });
  afterEach(async () => {
    await worker?.stop();
    await office?.close();
    await ehr?.close();
    worker = undefined; office = undefined; ehr = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('registration (A04, A08), appointment (S12, S13, S14, S15, S26, S17) and billing (DFT^P03): the EHR reads back the records the office posted', async () => {
    await start();
    const sent: Rec[] = [];
    sent.push(await post('registration', registration()));
    sent.push(await post('registration', { ...registration(), homePhone: '(217) 555-0199', email: 'avery@example.org' }));
    sent.push(await post('appointment', appointment()));
    sent.push(await post('appointment', appointment({ start: '2024-03-01T10:00:00-05:00' })));
    sent.push(await post('appointment', appointment({ start: '2024-03-01T10:00:00-05:00', notes: 'Bring the glucose log.' })));
    sent.push(await post('appointment', appointment({ id: 'APT-RT-2', start: '2024-03-02T09:00:00-05:00' })));
    sent.push(await post('appointment', appointment({ id: 'APT-RT-2', start: '2024-03-02T09:00:00-05:00', status: 'cancelled', cancellationReason: 'Patient request' })));
    sent.push(await post('appointment', appointment({ id: 'APT-RT-3', start: '2024-03-03T09:00:00-05:00' })));
    sent.push(await post('appointment', appointment({ id: 'APT-RT-3', start: '2024-03-03T09:00:00-05:00', status: 'no-show' })));
    sent.push(await post('appointment', appointment({ id: 'APT-RT-4', start: '2024-03-04T09:00:00-05:00' })));
    sent.push(await post('appointment', appointment({ id: 'APT-RT-4', start: '2024-03-04T09:00:00-05:00', status: 'deleted' })));
    sent.push(await post('billing', billing()));
    const got = await deliver();
    expect(got.map((g) => `${g.type}:${g.ack}`)).to.deep.equal([
      'ADT^A04:AA', 'ADT^A08:AA', 'SIU^S12:AA', 'SIU^S13:AA', 'SIU^S14:AA', 'SIU^S12:AA', 'SIU^S15:AA', 'SIU^S12:AA', 'SIU^S26:AA', 'SIU^S12:AA', 'SIU^S17:AA', 'DFT^P03:AA',
    ]);
    got.forEach((g, i) => {
      expect(g.errors, g.type).to.deep.equal([]);
      expect(g.records.map(withBillingDefaults), `${g.type} (message ${i + 1})`).to.deep.equal([withBillingDefaults(sent[i]!)]);
    });
  });

  it('person-level registration events (A28, A31) read back as the same registration', async () => {
    await start({ registrationEvents: 'person' });
    const sent = [await post('registration', registration()), await post('registration', { ...registration(), homePhone: '(217) 555-0123' })];
    const got = await deliver();
    expect(got.map((g) => `${g.type}:${g.ack}`)).to.deep.equal(['ADT^A28:AA', 'ADT^A31:AA']);
    got.forEach((g, i) => expect(g.records, g.type).to.deep.equal([sent[i]]));
  });

  it('an office merge (A40) is applied the same way by the EHR: same survivor and retired MRN, the retired record inactive and replaced-by', async () => {
    await start();
    const RETIRED = 'MRN100999';
    await post('registration', registration());
    await post('registration', { ...registration(), mrn: RETIRED, givenName: 'Avery-Dup', insurance: [] });
    const merge = await post('merge', { recordType: 'merge-instruction', survivingMrn: MRN, retiredMrn: RETIRED });
    const got = await deliver();
    expect(got.map((g) => `${g.type}:${g.ack}`)).to.deep.equal(['ADT^A04:AA', 'ADT^A04:AA', 'ADT^A40:AA']);
    const [theirs] = got[2]!.records;
    for (const k of ['recordType', 'survivingMrn', 'survivingMrnSystem', 'survivingPatientId', 'retiredMrn', 'retiredMrnSystem', 'retiredPatientId']) {
      expect(theirs![k], k).to.deep.equal(merge[k]);
    }
    const retiredId = patientId({ system: PRACTICE_MRN_SYSTEM, value: RETIRED });
    const retired = (await ehr!.store.resources.get('Patient', retiredId))!.resource as Patient;
    expect([retired.active, retired.name?.[0]?.given?.[0], retired.link?.[0]?.type]).to.deep.equal([false, 'Avery-Dup', 'replaced-by']);
  });
});
