import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Appointment } from 'fhir/r4.js';
import { parseDeliveryConfig } from '../../src/delivery/config.js';
import { runJob } from '../../src/jobs/runner.js';
import { PAYER_ID_SYSTEM } from '../../src/adapters/claim.js';
import { batch837FromStore } from '../../src/x12/837p/build.js';
import { traceFor } from '../../src/x12/eligibility/build270.js';
import { readWithMap } from '../../src/x12/read.js';
import { dropFile } from '../../src/x12/transport/folder.js';
import { tempDb, type TempDb } from '../delivery/helpers.js';
import { NOW, TODAY, at, claimBundle, identity } from './helpers.js';

const inbound = (n: string) => readFileSync(`examples/x12/inbound/${n}`, 'utf8');

describe('x12: folder exchange on a schedule (x12-pickup job, outbox folder)', () => {
  let t: TempDb;
  let dir: string;
  beforeEach(() => { t = tempDb(); dir = mkdtempSync(join(tmpdir(), 'fd-x12-jobs-')); });
  afterEach(async () => { await t.close(); rmSync(dir, { recursive: true, force: true }); });

  const config = (extra: Record<string, unknown> = {}, jobs: Record<string, unknown> = {}) => parseDeliveryConfig({
    destinations: { clearinghouse: { type: 'clearinghouse', outbox: 'ch/out', inbox: 'ch/in', ...extra } },
    jobs: { timezone: 'America/New_York', ...jobs },
  }, 'America/New_York', dir);

  it('configuration: folders relative to the configuration file; x12-pickup on with an inbox, off without; bad combinations named', () => {
    const ok = config();
    expect(ok.issues).to.deep.equal([]);
    const ch = ok.value!.destinations.clearinghouse!;
    expect(ch).to.deep.include({ type: 'clearinghouse', url: '', outbox: join(dir, 'ch/out'), inbox: join(dir, 'ch/in') });
    expect(ok.value!.jobs.settings['x12-pickup']).to.deep.equal({ enabled: true });
    const none = parseDeliveryConfig({ destinations: { clearinghouse: { type: 'clearinghouse', url: 'https://ch.example.test/x12' } }, jobs: {} });
    expect(none.value!.jobs.settings['x12-pickup']!.enabled).to.equal(false);
    const asked = parseDeliveryConfig({ destinations: { clearinghouse: { type: 'clearinghouse', url: 'https://ch.example.test/x12' } }, jobs: { 'x12-pickup': { schedule: '*/5 * * * *' } } });
    expect(at(asked.issues)).to.deep.equal(['CONFIG_INVALID@jobs.x12-pickup']);
    expect(at(config({ url: 'https://ch.example.test/x12' }).issues)).to.deep.equal(['CONFIG_INVALID@destinations.clearinghouse.outbox']);
    expect(at(config({ inbox: 'ch/out' }).issues)).to.deep.equal(['CONFIG_INVALID@destinations.clearinghouse.inbox']);
    expect(at(parseDeliveryConfig({ destinations: { clearinghouse: { type: 'clearinghouse', inbox: 'in' } } }).issues)).to.deep.equal(['CONFIG_INVALID@destinations.clearinghouse.url']);
  });

  it('x12-pickup applies each file once and archives it; the same 835 dropped twice posts once; a broken file is set aside naming the element', async () => {
    const cfg = config().value!;
    await batch837FromStore(t.store, [claimBundle('claim-single-line'), claimBundle('claim-several-lines')], { identity: identity(), destination: 'clearinghouse', now: NOW, today: TODAY });
    const inbox = join(dir, 'ch/in');
    dropFile(inbox, '277ca-0601.x12', inbound('277ca.x12'));
    dropFile(inbox, 'era-0610.835', inbound('835-paid.x12'));
    dropFile(inbox, 'era-0610-copy.835', inbound('835-paid.x12'));
    writeFileSync(join(inbox, 'broken.999'), inbound('999-accepted.x12').replace(/IK5\*A/, 'IK5*Q'));
    const first = await runJob('x12-pickup', { store: t.store, config: cfg, now: () => new Date('2026-06-10T12:00:00Z') });
    expect(first.outcome).to.equal('ok');
    expect(first.summary).to.deep.include({ applied: 2, duplicate: 1, rejected: 1 });
    expect(first.summary.files).to.deep.equal([
      'clearinghouse/277ca-0601.x12: 277 applied',
      'clearinghouse/broken.999: rejected X12_INVALID@IK5.IK5-01',
      'clearinghouse/era-0610-copy.835: 835 applied',
      'clearinghouse/era-0610.835: duplicate',
    ]);
    expect((await t.store.x12.get('ENC-2026-000201'))[0]!.state).to.equal('paid');
    // The clearinghouse drops the same remittance once more, a day later.
    dropFile(inbox, 'era-0610.835', inbound('835-paid.x12'));
    const second = await runJob('x12-pickup', { store: t.store, config: cfg, now: () => new Date('2026-06-11T12:00:00Z') });
    expect(second.summary).to.deep.include({ applied: 0, duplicate: 1, rejected: 0 });
    expect((await t.store.x12.get('ENC-2026-000201'))[0]!.history.filter((h) => h.source === '835')).to.have.length(1);
    expect(readdirSync(inbox).filter((n) => !['processing', 'archive', 'rejected'].includes(n))).to.deep.equal([]);
    expect(readdirSync(join(inbox, 'archive'))).to.have.length(4);
    expect(readdirSync(join(inbox, 'rejected'))).to.have.length(1);
    // Nothing to pick up: the run says so with zeros.
    expect((await runJob('x12-pickup', { store: t.store, config: cfg, now: () => new Date('2026-06-12T12:00:00Z') })).summary).to.deep.equal({ applied: 0, duplicate: 0, rejected: 0 });
  });

  it('end to end by folders: the 270 is written to the outbox folder, the 271 picked up from the inbox lands on the appointment', async () => {
    const cfg = config({}, { eligibilityDestination: 'clearinghouse' }).value!;
    const at0 = new Date('2026-03-01T00:00:00Z');
    await t.store.resources.upsert({ resourceType: 'Patient', id: 'pat-1', name: [{ family: 'Testperson', given: ['Alex'] }], birthDate: '1980-04-12', gender: 'female' } as never, null, at0);
    await t.store.resources.upsert({ resourceType: 'Organization', id: 'payer-1', identifier: [{ system: PAYER_ID_SYSTEM, value: '60054' }], name: 'Synthetic Health Plan' } as never, null, at0);
    await t.store.resources.upsert({ resourceType: 'Coverage', id: 'cov-1', status: 'active', subscriberId: 'W123456789', beneficiary: { reference: 'Patient/pat-1' }, payor: [{ reference: 'Organization/payer-1' }], relationship: { coding: [{ code: 'self' }] } } as never, null, at0);
    const appt: Appointment = { resourceType: 'Appointment', id: 'a-1', status: 'booked', start: '2026-03-03T09:30:00-05:00', participant: [{ actor: { reference: 'Patient/pat-1' }, status: 'accepted' }] };
    await t.store.resources.upsert(appt as never, null, at0);
    const deps = { store: t.store, config: cfg, billing: identity(), now: () => new Date('2026-03-02T22:00:00Z') };
    const sent = await runJob('eligibility', deps);
    expect(sent.summary).to.include({ queued: 1, delivered: 1, format: 'x12' });
    const out = readdirSync(join(dir, 'ch/out'));
    expect(out).to.deep.equal(['eligibility270-clearinghouse-2026-03-03.x12']);
    expect(readWithMap(readFileSync(join(dir, 'ch/out', out[0]!), 'utf8'), '270').issues).to.deep.equal([]);
    dropFile(join(dir, 'ch/in'), '271.x12', inbound('271-active.x12').replace(/TRN\*2\*[^*]+\*/, `TRN*2*${traceFor('a-1:2026-03-03')}*`));
    const got = await runJob('x12-pickup', deps);
    expect(got.summary).to.deep.include({ applied: 1, files: ['clearinghouse/271.x12: 271 applied'] });
    expect((await t.store.eligibility.forAppointment('a-1'))[0]).to.deep.include({ status: 'active', source: '271' });
  });
});
