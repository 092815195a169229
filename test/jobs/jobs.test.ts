import { expect } from 'chai';
import nock from 'nock';
import type { Appointment, Bundle, Claim, CoverageEligibilityRequest } from 'fhir/r4.js';
import { parseDeliveryConfig, type DeliveryConfig } from '../../src/delivery/config.js';
import { runJob, recentJobRuns } from '../../src/jobs/runner.js';
import { startJobs } from '../../src/jobs/schedule.js';
import { listReminders } from '../../src/jobs/reminders.js';
import { tempDb, type TempDb } from '../delivery/helpers.js';

const CH = 'https://claims.example.com';
const EHR = 'https://ehr.example.org';
const TZ = 'America/New_York';

function config(jobs: Record<string, unknown> = {}): DeliveryConfig {
  const r = parseDeliveryConfig({
    destinations: {
      clearinghouse: { type: 'clearinghouse', url: `${CH}/claims`, auth: { type: 'bearer', token: 'ch' }, retry: { maxAttempts: 2, baseDelayMs: 1000, maxDelayMs: 1000 } },
      payer: { type: 'fhir', baseUrl: `${EHR}/fhir`, auth: { type: 'bearer', token: 'p' } },
      texts: { type: 'http', url: 'https://texts.example.net/reminders' },
    },
    jobs: { timezone: TZ, eligibilityDestination: 'payer', ...jobs },
  });
  expect(r.issues).to.deep.equal([]);
  return r.value!;
}

async function seedPeople(t: TempDb): Promise<void> {
  const at = new Date('2026-03-01T00:00:00Z');
  await t.store.resources.upsert({ resourceType: 'Patient', id: 'pat-1', identifier: [{ system: 'urn:example:mrn', value: 'MRN-1' }], name: [{ family: 'Testperson', given: ['Alex'] }], telecom: [{ system: 'email', value: 'alex@example.org' }, { system: 'phone', use: 'mobile', value: '555-0100' }] } as never, null, at);
  await t.store.resources.upsert({ resourceType: 'Organization', id: 'payer-1', identifier: [{ system: 'urn:example:payer', value: 'PAYER-1' }], name: 'Example Health Plan' } as never, null, at);
  await t.store.resources.upsert({ resourceType: 'Coverage', id: 'cov-1', identifier: [{ system: 'urn:example:member', value: 'M-1' }], status: 'active', beneficiary: { reference: 'Patient/pat-1' }, payor: [{ reference: 'Organization/payer-1' }] } as never, null, at);
  await t.store.resources.upsert({ resourceType: 'Practitioner', id: 'prac-1', identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' }], name: [{ family: 'Careful', given: ['Robin'], prefix: ['Dr.'] }] } as never, null, at);
  await t.store.resources.upsert({ resourceType: 'Location', id: 'loc-1', name: 'Main Street Clinic', address: { line: ['1 Main St'], city: 'Springfield', state: 'IL', postalCode: '62701' } } as never, null, at);
}

function appointment(id: string, start: string, status: Appointment['status'] = 'booked'): Appointment {
  return {
    resourceType: 'Appointment', id, status, start, end: start,
    identifier: [{ system: 'urn:example:appt', value: id }],
    participant: [
      { actor: { reference: 'Patient/pat-1' }, status: 'accepted' },
      { actor: { reference: 'Practitioner/prac-1' }, status: 'accepted' },
      { actor: { reference: 'Location/loc-1' }, status: 'accepted' },
    ],
  };
}

const parse = (b: unknown): Bundle => (typeof b === 'string' ? JSON.parse(b) : b) as Bundle;

describe('jobs', () => {
  let t: TempDb;
  let clock: Date;
  const deps = (cfg = config()) => ({ store: t.store, config: cfg, now: () => clock, practiceName: 'Main Street Clinic' });

  before(() => nock.disableNetConnect());
  after(() => nock.enableNetConnect());
  beforeEach(async () => {
    t = tempDb();
    clock = new Date('2026-03-02T20:00:00.000Z'); // 15:00 in New York
    await seedPeople(t);
  });
  afterEach(async () => {
    nock.cleanAll();
    await t.close();
  });

  describe('claim-batch', () => {
    const claim: Claim = {
      resourceType: 'Claim', id: 'clm-1', identifier: [{ system: 'urn:example:encounter', value: 'ENC-1' }], status: 'active',
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] }, use: 'claim',
      patient: { reference: 'Patient/pat-1' }, created: '2026-03-02', provider: { reference: 'Practitioner/prac-1' }, priority: { coding: [{ code: 'normal' }] },
      insurance: [{ sequence: 1, focal: true, coverage: { reference: 'Coverage/cov-1' } }],
    };

    it('submits each active claim once, as a Bundle with what it references, and records the answer', async () => {
      await t.store.resources.upsert(claim as never, null, clock);
      await t.store.resources.upsert({ ...claim, id: 'clm-draft', status: 'draft', identifier: [{ system: 'urn:example:encounter', value: 'ENC-2' }] } as never, null, clock);
      const sent: Array<{ key: string; body: Bundle }> = [];
      nock(CH).post('/claims').reply(function (_u, body) {
        sent.push({ key: String(this.req.headers['idempotency-key']), body: parse(body) });
        return [202, { status: 'accepted', id: 'CH-777' }];
      });
      const r = await runJob('claim-batch', deps());
      expect(r.outcome).to.equal('ok');
      expect(r.summary).to.include({ queued: 1, attempted: 1, delivered: 1 });
      expect(sent).to.have.length(1);
      expect(sent[0]!.key).to.equal('claim:urn:example:encounter|ENC-1');
      const b = sent[0]!.body;
      expect(b.type).to.equal('collection');
      expect(b.entry!.map((e) => e.resource!.resourceType)).to.deep.equal(['Claim', 'Patient', 'Practitioner', 'Coverage', 'Organization']);
      const urls = new Set(b.entry!.map((e) => e.fullUrl));
      const c = b.entry![0]!.resource as Claim;
      expect(urls.has(c.patient.reference)).to.equal(true);
      expect(urls.has(c.insurance[0]!.coverage.reference)).to.equal(true);
      expect(await t.store.claims.get('urn:example:encounter|ENC-1')).to.include({ status: 'accepted', billingStatus: 'submitted', claimId: 'clm-1' });

      // The next run finds nothing new: no second submission.
      const again = await runJob('claim-batch', deps());
      expect(again.summary).to.include({ queued: 0, attempted: 0 });
    });

    it('a claim whose submission failed transiently keeps its key and is retried by the worker, not re-queued', async () => {
      await t.store.resources.upsert(claim as never, null, clock);
      nock(CH).post('/claims').reply(500, 'down');
      const r = await runJob('claim-batch', deps());
      expect(r.summary).to.include({ queued: 1, retrying: 1 });
      expect((await t.store.claims.get('urn:example:encounter|ENC-1'))!.status).to.equal('queued');
      expect((await runJob('claim-batch', deps())).summary).to.include({ queued: 0 });
      expect(await t.store.outbox.list({ destination: 'clearinghouse' })).to.have.length(1);
    });
  });

  describe('eligibility', () => {
    it("builds a CoverageEligibilityRequest for each of tomorrow's appointments (practice calendar) and delivers it", async () => {
      await t.store.resources.upsert(appointment('a-morning', '2026-03-03T09:30:00-05:00') as never, null, clock);
      // 19:30 in New York on the 3rd, but already the 4th in UTC: still tomorrow for the practice.
      await t.store.resources.upsert(appointment('a-evening', '2026-03-04T00:30:00Z') as never, null, clock);
      await t.store.resources.upsert(appointment('a-later', '2026-03-04T15:00:00Z') as never, null, clock);
      await t.store.resources.upsert(appointment('a-cancelled', '2026-03-03T10:00:00-05:00', 'cancelled') as never, null, clock);
      const bodies: Bundle[] = [];
      nock(EHR).post('/fhir').times(2).reply(200, (_u, body) => {
        bodies.push(parse(body));
        return { resourceType: 'Bundle', type: 'transaction-response' };
      });
      const r = await runJob('eligibility', deps());
      expect(r.summary).to.include({ date: '2026-03-03', queued: 2, delivered: 2 });
      const requests = bodies.map((b) => b.entry!.find((e) => e.resource!.resourceType === 'CoverageEligibilityRequest')!);
      expect(requests.map((e) => (e.resource as CoverageEligibilityRequest).identifier![0]!.value).sort()).to.deep.equal(['a-evening-2026-03-03', 'a-morning-2026-03-03']);
      const first = requests[0]!;
      const cer = first.resource as CoverageEligibilityRequest;
      expect(cer).to.include({ status: 'active', servicedDate: '2026-03-03' });
      expect(cer.purpose).to.deep.equal(['benefits', 'validation']);
      // Sent as a conditional create/update on the request's own identifier, with its Patient and Coverage.
      expect(first.request!.url).to.match(/^CoverageEligibilityRequest\?identifier=/);
      expect(bodies[0]!.entry!.map((e) => e.resource!.resourceType)).to.include.members(['Patient', 'Coverage', 'Practitioner']);
      const refs = new Set(bodies[0]!.entry!.map((e) => e.fullUrl));
      expect(refs.has(cer.patient.reference)).to.equal(true);
      expect(refs.has(cer.insurance![0]!.coverage.reference)).to.equal(true);
      // Twice in a day queues nothing new.
      expect((await runJob('eligibility', deps())).summary).to.include({ queued: 0, attempted: 0 });
      expect(await t.store.outbox.list({ destination: 'payer' })).to.have.length(2);
    });

    it('does nothing without an eligibility destination', async () => {
      const cfg = parseDeliveryConfig({ jobs: { timezone: TZ } }).value!;
      const r = await runJob('eligibility', deps(cfg));
      expect(r.summary.skipped).to.be.a('string');
    });
  });

  describe('reminders', () => {
    it('hands off one record per booked appointment within the lead time, with time, place and provider', async () => {
      await t.store.resources.upsert(appointment('soon', '2026-03-03T14:30:00Z') as never, null, clock); // 09:30 New York
      await t.store.resources.upsert(appointment('too-far', '2026-03-05T14:30:00Z') as never, null, clock);
      await t.store.resources.upsert(appointment('past', '2026-03-02T14:30:00Z') as never, null, clock);
      const r = await runJob('reminders', deps());
      expect(r.summary).to.deep.equal({ created: 1, cancelled: 0 });
      const [rem] = await listReminders(t.store);
      expect(rem).to.deep.include({
        appointmentId: 'soon', patientRef: 'Patient/pat-1', patientName: 'Alex Testperson', contact: 'phone:555-0100', startsAt: '2026-03-03T14:30:00.000Z',
        place: 'Main Street Clinic, 1 Main St, Springfield, IL, 62701', provider: 'Dr. Robin Careful', state: 'ready',
      });
      expect(rem!.message).to.equal('Hello Alex Testperson, this is a reminder of your appointment on Tuesday, March 3, 2026 at 9:30 AM with Dr. Robin Careful at Main Street Clinic, 1 Main St, Springfield, IL, 62701. Main Street Clinic.');
      expect((await runJob('reminders', deps())).summary).to.deep.equal({ created: 0, cancelled: 0 });
      await t.store.resources.upsert(appointment('soon', '2026-03-03T14:30:00Z', 'cancelled') as never, null, clock);
      expect((await runJob('reminders', deps())).summary).to.deep.equal({ created: 0, cancelled: 1 });
      expect((await listReminders(t.store))[0]!.state).to.equal('cancelled');
    });
  });

  describe('reminders to the office tool', () => {
    it('sends each new reminder, then its cancellation, through the outbox to the reminder destination', async () => {
      await t.store.resources.upsert(appointment('soon', '2026-03-03T14:30:00Z') as never, null, clock);
      const got: Array<Record<string, unknown>> = [];
      nock('https://texts.example.net').post('/reminders').times(2).reply(200, (_u, body) => {
        got.push((typeof body === 'string' ? JSON.parse(body) : body) as Record<string, unknown>);
        return {};
      });
      const cfg = config({ reminderDestination: 'texts' });
      expect((await runJob('reminders', deps(cfg))).summary).to.include({ created: 1, delivered: 1 });
      expect((await listReminders(t.store))[0]!.state).to.equal('handed-off');
      await t.store.resources.upsert(appointment('soon', '2026-03-03T14:30:00Z', 'cancelled') as never, null, clock);
      expect((await runJob('reminders', deps(cfg))).summary).to.include({ cancelled: 1, delivered: 1 });
      expect(got.map((g) => [g.recordType, g.appointmentId, g.state, g.provider])).to.deep.equal([
        ['appointment-reminder', 'soon', 'handed-off', 'Dr. Robin Careful'],
        ['appointment-reminder', 'soon', 'cancelled', 'Dr. Robin Careful'],
      ]);
    });
  });

  describe('retention', () => {
    it('purges delivered outbox rows older than the retention period only', async () => {
      const old = new Date(clock.getTime() - 40 * 86_400_000);
      for (const k of ['old', 'recent', 'stuck']) await t.store.outbox.enqueue({ destination: 'payer', kind: 'x', payload: '{}', contentType: 'application/json', idempotencyKey: k }, old);
      const [a, b] = await t.store.outbox.claimDue({ now: old });
      await t.store.outbox.markDelivered(a!.id, {}, old);
      await t.store.outbox.markDelivered(b!.id, {}, clock);
      const r = await runJob('retention', deps());
      expect(r.summary).to.include({ deliveredPurged: 1 });
      expect((await t.store.outbox.list()).map((i) => i.idempotencyKey)).to.deep.equal(['recent', 'stuck']);
    });
  });

  describe('runner and schedule', () => {
    it('never runs a job twice at once: a lease held elsewhere makes the run a recorded skip', async () => {
      expect(await t.store.jobs.takeLease('retention', 'other-process', new Date(clock.getTime() + 60_000), clock)).to.equal(true);
      const r = await runJob('retention', deps());
      expect(r.outcome).to.equal('skipped');
      clock = new Date(clock.getTime() + 120_000); // the other holder's lease lapsed
      expect((await runJob('retention', deps())).outcome).to.equal('ok');
      expect((await recentJobRuns({ store: t.store })).map((j) => j.outcome)).to.deep.equal(['ok', 'skipped']);
    });

    it('concurrent runs of one job in one process: the second is skipped', async () => {
      const [x, y] = await Promise.all([runJob('reminders', deps()), runJob('reminders', deps())]);
      expect([x.outcome, y.outcome].sort()).to.deep.equal(['ok', 'skipped']);
    });

    it('an unknown job fails without throwing', async () => {
      expect(await runJob('nope', deps())).to.deep.include({ outcome: 'failed' });
    });

    it('records a scheduled run in the audit trail (actor "scheduler")', async () => {
      const off = { enabled: false };
      const jobs = startJobs(deps(config({ 'claim-batch': off, 'drain-retries': off, eligibility: off, retention: off, 'x12-pickup': off, reminders: { schedule: '* * * * * *' } })));
      try {
        let rows: Awaited<ReturnType<typeof t.store.audit.list>> = [];
        for (let i = 0; i < 60 && rows.length === 0; i++) {
          await new Promise((r) => setTimeout(r, 100));
          rows = await t.store.audit.list({ entity: 'job/reminders' });
        }
        expect(rows[0]).to.include({ actor: 'scheduler', actorKind: 'system', action: 'job-run', outcome: 'success', detail: 'ok', status: 0 });
      } finally {
        jobs.stop();
      }
    });

    it('schedules the table in the practice timezone, honouring overrides and disabled jobs', () => {
      const jobs = startJobs(deps(config({ retention: { enabled: false }, reminders: { schedule: '15 7 * * *' } })));
      try {
        expect(jobs.scheduled.map((s) => s.name)).to.deep.equal(['claim-batch', 'drain-retries', 'eligibility', 'reminders']);
        const local = (d: Date) => new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour: '2-digit', minute: '2-digit', weekday: 'short' }).format(d);
        const claimRun = jobs.scheduled.find((s) => s.name === 'claim-batch')!;
        expect(claimRun.timezone).to.equal(TZ);
        expect(local(claimRun.nextRun!)).to.match(/^(Mon|Tue|Wed|Thu|Fri) 18:00$/);
        expect(local(jobs.scheduled.find((s) => s.name === 'reminders')!.nextRun!)).to.match(/ 07:15$/);
      } finally {
        jobs.stop();
      }
    });
  });
});
