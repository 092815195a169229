import { expect } from 'chai';
import nock from 'nock';
import type { Appointment } from 'fhir/r4.js';
import { parseDeliveryConfig } from '../../src/delivery/config.js';
import { runJob } from '../../src/jobs/runner.js';
import { PAYER_ID_SYSTEM } from '../../src/adapters/claim.js';
import { readWithMap } from '../../src/x12/read.js';
import { tempDb, type TempDb } from '../delivery/helpers.js';
import { identity } from './helpers.js';

const CH = 'https://ch.example.test';

describe('x12: the eligibility job sends a 270 to a clearinghouse with an X12 identity', () => {
  let t: TempDb;
  const clock = new Date('2026-03-02T20:00:00.000Z');
  before(() => nock.disableNetConnect());
  after(() => { nock.cleanAll(); nock.enableNetConnect(); });
  beforeEach(async () => {
    t = tempDb();
    const at = new Date('2026-03-01T00:00:00Z');
    await t.store.resources.upsert({ resourceType: 'Patient', id: 'pat-1', name: [{ family: 'Testperson', given: ['Alex'] }], birthDate: '1980-04-12', gender: 'female' } as never, null, at);
    await t.store.resources.upsert({ resourceType: 'Organization', id: 'payer-1', identifier: [{ system: PAYER_ID_SYSTEM, value: '60054' }], name: 'Synthetic Health Plan' } as never, null, at);
    await t.store.resources.upsert({ resourceType: 'Coverage', id: 'cov-1', status: 'active', subscriberId: 'W123456789', beneficiary: { reference: 'Patient/pat-1' }, payor: [{ reference: 'Organization/payer-1' }], relationship: { coding: [{ code: 'self' }] } } as never, null, at);
    const appt = (id: string, start: string): Appointment => ({ resourceType: 'Appointment', id, status: 'booked', start, end: start, participant: [{ actor: { reference: 'Patient/pat-1' }, status: 'accepted' }] });
    await t.store.resources.upsert(appt('a-1', '2026-03-03T09:30:00-05:00') as never, null, at);
    await t.store.resources.upsert(appt('a-2', '2026-03-03T14:00:00-05:00') as never, null, at);
  });
  afterEach(() => t.close());

  it('one 270 interchange for tomorrow, posted as application/edi-x12; a second run queues nothing', async () => {
    const cfg = parseDeliveryConfig({
      destinations: { clearinghouse: { type: 'clearinghouse', url: `${CH}/eligibility`, auth: { type: 'bearer', token: 'ch' } } },
      jobs: { timezone: 'America/New_York', eligibilityDestination: 'clearinghouse' },
    }).value!;
    let body = '';
    nock(CH).post('/eligibility').matchHeader('content-type', 'application/edi-x12').reply(200, (_u, b) => { body = String(b); return ''; });
    const deps = { store: t.store, config: cfg, now: () => clock, billing: identity() };
    const r = await runJob('eligibility', deps);
    expect(r.summary).to.include({ date: '2026-03-03', queued: 1, inquiries: 2, format: 'x12', delivered: 1 });
    expect(readWithMap(body, '270').issues).to.deep.equal([]);
    expect(body.match(/^EQ\*30~/gm)).to.have.length(2);
    expect(body).to.contain('DTP*291*D8*20260303~');
    expect((await runJob('eligibility', deps)).summary).to.include({ queued: 0 });
    expect(await t.store.outbox.list({ destination: 'clearinghouse' })).to.have.length(1);
  });
});
