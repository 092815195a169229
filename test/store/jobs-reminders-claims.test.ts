import { expect } from 'chai';
import type { ReminderRecord } from '../../src/store/index.js';
import { at, T0, tempStore, type TempStore } from './helpers.js';

const reminder = (appointmentId: string, startsAt: Date): ReminderRecord => ({
  appointmentId, patientRef: 'Patient/p1', patientName: 'Alex Example', contact: 'sms:555-0100', startsAt: startsAt.toISOString(),
  place: 'Room 1', provider: 'Dr Test', message: 'See you soon.', state: 'ready', createdAt: T0.toISOString(),
});

describe('store: jobs, reminders and claim submissions through the Store interface', () => {
  let t: TempStore;
  beforeEach(() => { t = tempStore(); });
  afterEach(() => t.close());

  it('jobs: a scheduled tick is claimed once, whoever asks (instances whose crons fire together); purged with the runs', async () => {
    const j = t.store.jobs;
    expect(await j.claimTick('reminders', '2026-03-02T10:00:00', 'gw-1', T0)).to.equal(true);
    expect(await j.claimTick('reminders', '2026-03-02T10:00:00', 'gw-2', T0)).to.equal(false);
    expect(await j.claimTick('retention', '2026-03-02T10:00:00', 'gw-2', T0)).to.equal(true);
    expect(await j.claimTick('reminders', '2026-03-02T10:00:01', 'gw-2', at(1))).to.equal(true);
    await j.purgeRunsBefore(at(3600));
    expect(await j.claimTick('reminders', '2026-03-02T10:00:00', 'gw-3', at(3601))).to.equal(true);
  });

  it('jobs: one lease holder at a time until the lease runs out or is released; runs kept newest first and purged', async () => {
    const j = t.store.jobs;
    expect(await j.takeLease('claim-batch', 'me', at(60), T0)).to.equal(true);
    expect(await j.takeLease('claim-batch', 'other', at(90), at(30))).to.equal(false);
    expect(await j.takeLease('claim-batch', 'other', at(120), at(61))).to.equal(true);
    await j.releaseLease('claim-batch', 'me'); // not the holder: nothing changes
    expect(await j.takeLease('claim-batch', 'me', at(200), at(62))).to.equal(false);
    await j.releaseLease('claim-batch', 'other');
    expect(await j.takeLease('claim-batch', 'me', at(200), at(63))).to.equal(true);

    await j.recordRun({ job: 'retention', trigger: 'cli', startedAt: T0.toISOString(), finishedAt: at(1).toISOString(), outcome: 'ok', summary: { purged: 2 } });
    await j.recordRun({ job: 'reminders', trigger: 'scheduled', startedAt: at(100).toISOString(), finishedAt: null, outcome: 'failed', summary: null });
    const runs = await j.recentRuns();
    expect(runs.map((r) => r.job)).to.deep.equal(['reminders', 'retention']);
    expect(runs[1]).to.deep.equal({ job: 'retention', trigger: 'cli', startedAt: T0.toISOString(), finishedAt: at(1).toISOString(), outcome: 'ok', summary: { purged: 2 } });
    expect(await j.recentRuns(1)).to.have.length(1);
    expect(await j.purgeRunsBefore(at(50))).to.equal(1);
    expect((await j.recentRuns()).map((r) => r.job)).to.deep.equal(['reminders']);
  });

  it('reminders: one per appointment, cancelled and handed off by appointment, listed by start, purged by start', async () => {
    const r = t.store.reminders;
    expect(await r.insertIfNew(reminder('a2', at(7200)))).to.equal(true);
    expect(await r.insertIfNew(reminder('a1', at(3600)))).to.equal(true);
    expect(await r.insertIfNew({ ...reminder('a1', at(3600)), message: 'again' })).to.equal(false);
    expect((await r.list()).map((x) => x.appointmentId)).to.deep.equal(['a1', 'a2']);
    expect(await r.markHandedOff(['a1'], { onlyReady: true })).to.equal(1);
    expect(await r.markHandedOff(['a1'], { onlyReady: true })).to.equal(0);
    const cancelled = await r.cancel('a1');
    expect(cancelled.map((x) => [x.appointmentId, x.state, x.message])).to.deep.equal([['a1', 'handed-off', 'See you soon.']]);
    expect(await r.cancel('a1')).to.deep.equal([]);
    expect((await r.list('cancelled')).map((x) => x.appointmentId)).to.deep.equal(['a1']);
    expect((await r.list('ready')).map((x) => x.appointmentId)).to.deep.equal(['a2']);
    expect(await r.purgeBefore(at(5000))).to.equal(1);
    expect((await r.list()).map((x) => x.appointmentId)).to.deep.equal(['a2']);
  });

  it('claim submissions: queued once, then the answer (with the billing record as an object)', async () => {
    const c = t.store.claims;
    const outboxId = await t.store.outbox.enqueue({ destination: 'ch', kind: 'claim', payload: '{}', contentType: 'application/fhir+json', idempotencyKey: 'claim:sys|C1' }, T0);
    await c.recordQueued('sys|C1', 'c1', outboxId, 'claim:sys|C1', T0);
    await c.recordQueued('sys|C1', 'other', outboxId, 'claim:sys|C1', at(1));
    expect(await c.get('sys|C1')).to.deep.include({ claimKey: 'sys|C1', claimId: 'c1', outboxId, status: 'queued', billingStatus: null, billingRecord: null, submittedAt: T0.toISOString(), answeredAt: null });
    await c.recordAnswer({ claimKey: 'sys|C1', outboxId, idempotencyKey: 'claim:sys|C1', status: 'responded', billingStatus: 'paid', billingRecord: { recordType: 'billing-status', status: 'paid' }, response: '{"resourceType":"ClaimResponse"}' }, at(10));
    expect(await c.get('sys|C1')).to.deep.include({ claimId: 'c1', status: 'responded', billingStatus: 'paid', billingRecord: { recordType: 'billing-status', status: 'paid' }, answeredAt: at(10).toISOString() });
    // An answer for a claim the batch did not queue still gets its row.
    await c.recordAnswer({ claimKey: 'other', outboxId, idempotencyKey: 'other', status: 'failed', billingStatus: 'submission-failed', billingRecord: undefined, response: null }, at(11));
    expect(await c.get('other')).to.deep.include({ claimId: null, status: 'failed', billingRecord: null, submittedAt: at(11).toISOString() });
    expect(await c.keys()).to.deep.equal(['other', 'sys|C1']);
    expect(await c.get('nope')).to.equal(undefined);
  });
});
