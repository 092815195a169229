import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import nock from 'nock';
import type { Appointment, CoverageEligibilityResponse } from 'fhir/r4.js';
import { parseDeliveryConfig } from '../../src/delivery/config.js';
import { startDeliveryWorker } from '../../src/delivery/worker.js';
import { runJob } from '../../src/jobs/runner.js';
import { PAYER_ID_SYSTEM } from '../../src/adapters/claim.js';
import { traceFor } from '../../src/x12/eligibility/build270.js';
import { batch837FromStore } from '../../src/x12/837p/build.js';
import { dropFile, pickUp } from '../../src/x12/transport/folder.js';
import { tempDb, type TempDb } from '../delivery/helpers.js';
import { NOW, TODAY, claimBundle, identity } from './helpers.js';

const CH = 'https://ch.example.test';
const inbound = (n: string) => readFileSync(`examples/x12/inbound/${n}`, 'utf8');
const x12Reply = { 'content-type': 'application/edi-x12' };

describe('x12: real-time answers in the HTTPS response are read and posted like a picked-up file', () => {
  let t: TempDb;
  let dir: string;
  before(() => nock.disableNetConnect());
  after(() => { nock.cleanAll(); nock.enableNetConnect(); });
  beforeEach(() => { t = tempDb(); dir = mkdtempSync(join(tmpdir(), 'fd-x12-rt-')); });
  afterEach(async () => { nock.cleanAll(); await t.close(); rmSync(dir, { recursive: true, force: true }); });

  const destinations = (url = `${CH}/x12`) => parseDeliveryConfig({
    destinations: { clearinghouse: { type: 'clearinghouse', url, auth: { type: 'bearer', token: 'ch' }, batch: false, retry: { maxAttempts: 1, baseDelayMs: 1000, maxDelayMs: 1000, jitter: 0 } } },
  }).value!.destinations;

  async function send837(reply: (n: nock.Interceptor) => nock.Scope): Promise<void> {
    const b = await batch837FromStore(t.store, [claimBundle('claim-single-line'), claimBundle('claim-several-lines')], { identity: identity(), destination: 'clearinghouse', now: NOW, today: TODAY });
    await t.store.outbox.enqueue({ destination: 'clearinghouse', kind: 'x12-837', payload: b.value!.x12!, contentType: 'application/edi-x12', idempotencyKey: `x12:clearinghouse:${b.value!.interchange}` }, NOW);
    reply(nock(CH).post('/x12'));
    const w = startDeliveryWorker({ store: t.store, destinations: destinations(), now: () => NOW, autoStart: false });
    await w.drain();
    await w.stop();
  }

  it('a 999 in the 200 response to an 837P moves the claims; the same 999 later in the folder is not applied again', async () => {
    await send837((i) => i.reply(200, inbound('999-rejected.x12'), x12Reply));
    const bad = (await t.store.x12.get('ENC-2026-000202'))[0]!;
    expect(bad.state).to.equal('rejected');
    expect(bad.detail).to.contain('2400.SV1-02');
    expect((await t.store.x12.get('ENC-2026-000201'))[0]!.state).to.equal('rejected');
    dropFile(join(dir, 'in'), '999.x12', inbound('999-rejected.x12'));
    const picked = await pickUp(join(dir, 'in'), t.store, NOW);
    expect(picked.map((p) => p.outcome)).to.deep.equal(['duplicate']);
    expect((await t.store.x12.get('ENC-2026-000202'))[0]!.history.filter((h) => h.source === '999')).to.have.length(1);
  });

  it('a 999 in a 400 refusal is read too: the interchange is dead, its claims rejected with the reason', async () => {
    await send837((i) => i.reply(400, inbound('999-rejected.x12'), x12Reply));
    expect((await t.store.outbox.list({ destination: 'clearinghouse' }))[0]!.state).to.equal('dead');
    expect((await t.store.x12.get('ENC-2026-000202'))[0]!.state).to.equal('rejected');
  });

  it('a body that is no answer ({"status":"accepted"}) changes nothing', async () => {
    await send837((i) => i.reply(200, '{"status":"accepted"}'));
    expect((await t.store.outbox.list({ destination: 'clearinghouse' }))[0]!.state).to.equal('delivered');
    expect((await t.store.x12.get('ENC-2026-000201'))[0]!.state).to.equal('sent');
  });

  it('an X12 body that breaks its envelope (SE-01 count) is not applied, not even in part', async () => {
    await send837((i) => i.reply(200, inbound('999-rejected.x12').replace('SE*9*0001', 'SE*7*0001'), x12Reply));
    expect((await t.store.x12.get('ENC-2026-000201'))[0]!.state).to.equal('sent');
    expect((await t.store.x12.get('ENC-2026-000202'))[0]!.state).to.equal('sent');
  });

  it('the eligibility job: a 271 in the response to its 270 lands on the appointment before the patient arrives', async () => {
    const at0 = new Date('2026-03-01T00:00:00Z');
    await t.store.resources.upsert({ resourceType: 'Patient', id: 'pat-1', name: [{ family: 'Testperson', given: ['Alex'] }], birthDate: '1980-04-12', gender: 'female' } as never, null, at0);
    await t.store.resources.upsert({ resourceType: 'Organization', id: 'payer-1', identifier: [{ system: PAYER_ID_SYSTEM, value: '60054' }], name: 'Synthetic Health Plan' } as never, null, at0);
    await t.store.resources.upsert({ resourceType: 'Coverage', id: 'cov-1', status: 'active', subscriberId: 'W123456789', beneficiary: { reference: 'Patient/pat-1' }, payor: [{ reference: 'Organization/payer-1' }], relationship: { coding: [{ code: 'self' }] } } as never, null, at0);
    const appt: Appointment = { resourceType: 'Appointment', id: 'a-1', status: 'booked', start: '2026-03-03T09:30:00-05:00', end: '2026-03-03T09:50:00-05:00', participant: [{ actor: { reference: 'Patient/pat-1' }, status: 'accepted' }] };
    await t.store.resources.upsert(appt as never, null, at0);
    const cfg = parseDeliveryConfig({
      destinations: { clearinghouse: { type: 'clearinghouse', url: `${CH}/eligibility`, auth: { type: 'bearer', token: 'ch' } } },
      jobs: { timezone: 'America/New_York', eligibilityDestination: 'clearinghouse' },
    }).value!;
    const answer = inbound('271-active.x12').replace(/TRN\*2\*[^*]+\*/, `TRN*2*${traceFor('a-1:2026-03-03')}*`);
    nock(CH).post('/eligibility').reply(200, answer, x12Reply);
    await runJob('eligibility', { store: t.store, config: cfg, now: () => new Date('2026-03-02T22:00:00Z'), billing: identity() });
    const [c] = await t.store.eligibility.forAppointment('a-1');
    expect(c).to.deep.include({ status: 'active', source: '271' });
    expect(c!.record).to.deep.include({ copay: 25, plan: 'Synthetic PPO Gold' });
  });

  it('the FHIR way: a CoverageEligibilityResponse in the transaction-response Bundle is kept on its check', async () => {
    const at0 = new Date('2026-03-01T00:00:00Z');
    await t.store.resources.upsert({ resourceType: 'Patient', id: 'pat-1', name: [{ family: 'Testperson' }] } as never, null, at0);
    await t.store.resources.upsert({ resourceType: 'Coverage', id: 'cov-1', status: 'active', subscriberId: 'W1', beneficiary: { reference: 'Patient/pat-1' }, payor: [{ display: 'Plan' }] } as never, null, at0);
    await t.store.resources.upsert({ resourceType: 'Appointment', id: 'a-1', status: 'booked', start: '2026-03-03T09:30:00-05:00', participant: [{ actor: { reference: 'Patient/pat-1' }, status: 'accepted' }] } as never, null, at0);
    const cfg = parseDeliveryConfig({
      destinations: { payer: { type: 'fhir', baseUrl: 'https://payer.example.test/fhir', auth: { type: 'none' } } },
      jobs: { timezone: 'America/New_York', eligibilityDestination: 'payer' },
    }).value!;
    const cer: CoverageEligibilityResponse = {
      resourceType: 'CoverageEligibilityResponse', status: 'active', purpose: ['validation'], created: '2026-03-02', patient: { display: 'T' },
      request: { identifier: { value: 'a-1-2026-03-03' } }, outcome: 'complete', insurer: { display: 'Plan' },
      insurance: [{ coverage: { display: 'Plan' }, inforce: false }],
    };
    nock('https://payer.example.test').post('/fhir').reply(200, { resourceType: 'Bundle', type: 'transaction-response', entry: [{ resource: cer, response: { status: '201' } }] });
    await runJob('eligibility', { store: t.store, config: cfg, now: () => new Date('2026-03-02T22:00:00Z') });
    const [c] = await t.store.eligibility.forAppointment('a-1');
    expect(c).to.deep.include({ status: 'inactive', source: 'fhir' });
  });
});
