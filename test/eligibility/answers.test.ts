import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import nock from 'nock';
import type { Appointment, CoverageEligibilityResponse } from 'fhir/r4.js';
import { parseDeliveryConfig } from '../../src/delivery/config.js';
import { runJob } from '../../src/jobs/runner.js';
import { PAYER_ID_SYSTEM } from '../../src/adapters/claim.js';
import { traceFor } from '../../src/x12/eligibility/build270.js';
import { read271 } from '../../src/x12/eligibility/read271.js';
import { ingestX12 } from '../../src/x12/ingest.js';
import { recordEligibilityText } from '../../src/eligibility/answers.js';
import { fromCoverageEligibilityResponse } from '../../src/eligibility/fhir.js';
import { eligibilityText } from '../../src/eligibility/view.js';
import { validateOfficeRecord, validateResource } from '../../src/validation/index.js';
import { tempDb, type TempDb } from '../delivery/helpers.js';
import { at, errorsOf, identity } from '../x12/helpers.js';
import type { Store } from '../../src/store/index.js';

const CH = 'https://ch.example.test';
const inbound = (n: string) => readFileSync(`examples/x12/inbound/${n}`, 'utf8');
/** The example 271 answering the inquiry for appointment `id` on `day` (TRN*2 echoes our trace). */
const answer271 = (file: string, id: string, day: string): string => inbound(file).replace(/TRN\*2\*[^*]+\*/, `TRN*2*${traceFor(`${id}:${day}`)}*`);

async function seed(store: Store): Promise<void> {
  const at0 = new Date('2026-03-01T00:00:00Z');
  await store.resources.upsert({ resourceType: 'Patient', id: 'pat-1', name: [{ family: 'Testperson', given: ['Alex'] }], birthDate: '1980-04-12', gender: 'female' } as never, null, at0);
  await store.resources.upsert({ resourceType: 'Patient', id: 'pat-2', name: [{ family: 'Sampleton', given: ['Robin'] }], birthDate: '1975-09-30', gender: 'male' } as never, null, at0);
  await store.resources.upsert({ resourceType: 'Organization', id: 'payer-1', identifier: [{ system: PAYER_ID_SYSTEM, value: '60054' }], name: 'Synthetic Health Plan' } as never, null, at0);
  for (const [cov, pat, member] of [['cov-1', 'pat-1', 'W123456789'], ['cov-2', 'pat-2', 'W987654321']] as const) {
    await store.resources.upsert({ resourceType: 'Coverage', id: cov, status: 'active', subscriberId: member, beneficiary: { reference: `Patient/${pat}` }, payor: [{ reference: 'Organization/payer-1' }], relationship: { coding: [{ code: 'self' }] } } as never, null, at0);
  }
  const appt = (id: string, pat: string, start: string): Appointment => ({ resourceType: 'Appointment', id, status: 'booked', start, end: start, participant: [{ actor: { reference: `Patient/${pat}` }, status: 'accepted' }] });
  await store.resources.upsert(appt('a-1', 'pat-1', '2026-03-03T09:30:00-05:00') as never, null, at0);
  await store.resources.upsert(appt('a-2', 'pat-2', '2026-03-03T14:00:00-05:00') as never, null, at0);
}

describe('eligibility: answers kept for the front desk', () => {
  let t: TempDb;
  const clock = new Date('2026-03-02T22:00:00.000Z');
  before(() => nock.disableNetConnect());
  after(() => { nock.cleanAll(); nock.enableNetConnect(); });
  beforeEach(async () => { t = tempDb(); await seed(t.store); });
  afterEach(async () => { nock.cleanAll(); await t.close(); });

  const x12Config = () => parseDeliveryConfig({
    destinations: { clearinghouse: { type: 'clearinghouse', url: `${CH}/eligibility`, auth: { type: 'bearer', token: 'ch' } } },
    jobs: { timezone: 'America/New_York', eligibilityDestination: 'clearinghouse' },
  }).value!;

  it('the 270 job notes one pending check per appointment; a 271 lands on its appointment by TRN*2', async () => {
    nock(CH).post('/eligibility').reply(202, '');
    const r = await runJob('eligibility', { store: t.store, config: x12Config(), now: () => clock, billing: identity() });
    expect(r.summary).to.include({ queued: 1, inquiries: 2 });
    const pending = await t.store.eligibility.list({ serviceDate: '2026-03-03' });
    expect(pending.map((c) => `${c.appointmentId}:${c.status}:${c.format}`)).to.deep.equal(['a-1:pending:x12', 'a-2:pending:x12']);
    expect(pending[0]!.trace).to.equal(traceFor('a-1:2026-03-03'));

    // The clearinghouse's 271 (as picked up from its folder): a-1 active, a-2 not found.
    const got = await ingestX12(answer271('271-active.x12', 'a-1', '2026-03-03'), t.store, new Date('2026-03-02T22:05:00Z'));
    expect(errorsOf(got.issues)).to.deep.equal([]);
    expect(got.value!.eligibility).to.deep.equal([{ trace: traceFor('a-1:2026-03-03'), status: 'active', matched: true, appointmentId: 'a-1' }]);
    const rej = await ingestX12(answer271('271-rejected.x12', 'a-2', '2026-03-03'), t.store, new Date('2026-03-02T22:06:00Z'));
    expect(at(rej.issues)).to.deep.equal(['X12_REJECTED@2100C.AAA-03']);

    const [a1, a2] = await t.store.eligibility.list({ serviceDate: '2026-03-03' });
    expect(a1!.status).to.equal('active');
    expect(a1!.source).to.equal('271');
    expect(a1!.record).to.deep.include({ status: 'active', plan: 'Synthetic PPO Gold', copay: 25, coinsurancePercent: 20, deductible: 1500, deductibleRemaining: 650, serviceType: '98' });
    expect(validateOfficeRecord(a1!.record!)).to.deep.equal([]);
    expect(errorsOf(validateResource(a1!.response as unknown as CoverageEligibilityResponse))).to.deep.equal([]);
    expect(eligibilityText(a1!)).to.equal('active, Synthetic PPO Gold, service type 98, copay $25.00, coinsurance 20%, deductible $1500.00 ($650.00 left)');
    expect(a2!.status).to.equal('rejected');
    expect(eligibilityText(a2!)).to.equal('rejected: Subscriber/Insured not found (AAA 75 2100C); Please correct and resubmit');
    expect((await t.store.eligibility.forAppointment('a-2'))[0]!.trace).to.equal(traceFor('a-2:2026-03-03'));
  });

  it('the same 271 twice updates the one check; a 271 for no inquiry of ours is kept apart and said so', async () => {
    nock(CH).post('/eligibility').reply(202, '');
    await runJob('eligibility', { store: t.store, config: x12Config(), now: () => clock, billing: identity() });
    const text = answer271('271-active.x12', 'a-1', '2026-03-03');
    await ingestX12(text, t.store, clock);
    await ingestX12(text, t.store, clock);
    expect(await t.store.eligibility.list({ serviceDate: '2026-03-03' })).to.have.length(2);
    const stray = await ingestX12(inbound('271-active.x12'), t.store, clock);
    expect(at(stray.issues)).to.deep.equal(['MAP_CONFLICT@TRN-02']);
    expect(stray.value!.eligibility![0]).to.deep.include({ trace: 'FDTRACEACTIVE001', matched: false, appointmentId: null });
    expect((await t.store.eligibility.get('FDTRACEACTIVE001'))!.status).to.equal('active');
  });

  it('a 271 that breaks the guide is reported naming loop, segment and element, and nothing is kept', async () => {
    const bad = inbound('271-active.x12').replace('EB*B*IND*98***27*25*****Y~', 'EB*B*IND*98***27*25,00*****Y~');
    const r = await ingestX12(bad, t.store, clock);
    expect(r.value).to.equal(undefined);
    expect(at(errorsOf(r.issues))).to.deep.equal(['X12_INVALID@2110C[2].EB-07']);
    expect(await t.store.eligibility.list()).to.deep.equal([]);
  });

  it('the FHIR way: the CoverageEligibilityRequest is noted; a CoverageEligibilityResponse naming it lands on the appointment', async () => {
    const cfg = parseDeliveryConfig({
      destinations: { payer: { type: 'fhir', baseUrl: 'https://payer.example.test/fhir', auth: { type: 'none' } } },
      jobs: { timezone: 'America/New_York', eligibilityDestination: 'payer' },
    }).value!;
    nock('https://payer.example.test').post('/fhir').times(2).reply(200, { resourceType: 'Bundle', type: 'transaction-response', entry: [] });
    await runJob('eligibility', { store: t.store, config: cfg, now: () => clock });
    const [c1] = await t.store.eligibility.forAppointment('a-1');
    expect(c1).to.deep.include({ trace: 'a-1-2026-03-03', format: 'fhir', status: 'pending' });
    // A payer's own answer: FHIR benefit types only, referencing our request by id.
    const cer: CoverageEligibilityResponse = {
      resourceType: 'CoverageEligibilityResponse', id: 'payer-answer-1', status: 'active', purpose: ['benefits'], created: '2026-03-02',
      patient: { display: 'Alex Testperson' }, request: { reference: `CoverageEligibilityRequest/${c1!.requestId}` }, outcome: 'complete',
      insurer: { display: 'Synthetic Health Plan' },
      insurance: [{
        coverage: { identifier: { value: 'W123456789' }, display: 'Synthetic HMO Silver' }, inforce: true,
        item: [{
          category: { coding: [{ system: 'https://x12.org/codes/service-type-codes', code: '98' }] }, network: { coding: [{ code: 'in', system: 'http://terminology.hl7.org/CodeSystem/benefit-network' }] },
          benefit: [
            { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/benefit-type', code: 'copay' }] }, allowedMoney: { value: 40, currency: 'USD' } },
            { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/benefit-type', code: 'deductible' }] }, allowedMoney: { value: 2000, currency: 'USD' }, usedMoney: { value: 500, currency: 'USD' } },
          ],
        }],
      }],
    };
    const r = await recordEligibilityText(JSON.stringify(cer), t.store, clock);
    expect(r.issues).to.deep.equal([]);
    expect(r.value).to.deep.equal([{ trace: 'a-1-2026-03-03', status: 'active', matched: true, appointmentId: 'a-1' }]);
    const [c] = await t.store.eligibility.forAppointment('a-1');
    expect(c!.source).to.equal('fhir');
    expect(c!.record).to.deep.include({ status: 'active', plan: 'Synthetic HMO Silver', copay: 40, deductible: 2000, deductibleRemaining: 1500, memberId: 'W123456789' });
    expect(validateOfficeRecord(c!.record!)).to.deep.equal([]);
  });

  it('ours both ways: a 271 read into a CoverageEligibilityResponse reads back into the same office record', () => {
    for (const file of ['271-active.x12', '271-rejected.x12']) {
      const [x] = read271(inbound(file)).value!;
      const back = fromCoverageEligibilityResponse(x!.response).value!.record;
      const keys = ['trace', 'memberId', 'payer', 'status', 'plan', 'serviceDate', 'serviceType', 'copay', 'coinsurancePercent', 'deductible', 'deductibleRemaining', 'rejections'] as const;
      const pick = (r: Record<string, unknown>) => Object.fromEntries(keys.map((k) => [k, r[k]]));
      expect(pick(back as never), file).to.deep.equal(pick(x!.record as never));
    }
  });

  it('retention deletes the checks of days long past (their answers name plan and benefits)', async () => {
    nock(CH).post('/eligibility').reply(202, '');
    await runJob('eligibility', { store: t.store, config: x12Config(), now: () => clock, billing: identity() });
    const cfg = x12Config();
    const early = await runJob('retention', { store: t.store, config: cfg, now: () => new Date('2026-03-20T00:00:00Z') });
    expect(early.summary).to.include({ eligibilityPurged: 0 });
    const late = await runJob('retention', { store: t.store, config: cfg, now: () => new Date('2026-04-03T00:00:00Z') });
    expect(late.summary).to.include({ eligibilityPurged: 2 });
    expect(await t.store.eligibility.list()).to.deep.equal([]);
  });

  it('what is not an eligibility answer is refused with a clear issue', async () => {
    expect(at((await recordEligibilityText(inbound('999-accepted.x12'), t.store, clock)).issues)).to.deep.equal(['X12_INVALID@ST-01']);
    expect(at((await recordEligibilityText('{"resourceType":"Patient"}', t.store, clock)).issues)).to.deep.equal(['FHIR_RESOURCE_TYPE@resourceType']);
    expect(at((await recordEligibilityText('hello', t.store, clock)).issues)).to.deep.equal(['INPUT_UNREADABLE@input']);
  });
});

describe('eligibility: the front desk sees it (CLI)', function () {
  this.timeout(60_000);
  let t: TempDb;
  before(async () => {
    t = tempDb();
    await seed(t.store);
    await t.store.eligibility.recordInquiries([
      { trace: traceFor('a-1:2026-03-03'), appointmentId: 'a-1', appointmentStart: '2026-03-03T09:30:00-05:00', patientRef: 'Patient/pat-1', serviceDate: '2026-03-03', destination: 'clearinghouse', format: 'x12' },
      { trace: traceFor('a-2:2026-03-03'), appointmentId: 'a-2', appointmentStart: '2026-03-03T14:00:00-05:00', patientRef: 'Patient/pat-2', serviceDate: '2026-03-03', destination: 'clearinghouse', format: 'x12' },
    ], new Date('2026-03-02T22:00:00Z'));
  });
  after(() => t.close());
  const frontdesk = (args: string[], input?: string) => {
    const r = spawnSync(process.execPath, [resolve('bin/frontdesk.js'), ...args, '--db', t.path], { encoding: 'utf8', input, env: { ...process.env, FRONTDESK_LOG_LEVEL: 'silent' } });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('eligibility ingest a 271, then list the day: one line per appointment with the answer or pending', () => {
    const file = join(t.path, '..', 'answer.271');
    writeFileSync(file, answer271('271-active.x12', 'a-1', '2026-03-03'));
    const i = frontdesk(['eligibility', 'ingest', file]);
    expect(i.code, i.err).to.equal(0);
    const l = frontdesk(['eligibility', 'list', '--date', '2026-03-03']);
    expect(l.code, l.err).to.equal(0);
    const lines = l.out.trim().split('\n');
    expect(lines[0]).to.equal('eligibility for 2026-03-03');
    expect(lines[2]).to.match(/^2026-03-03T09:30:00-05:00\s+a-1\s+Alex Testperson\s+Synthetic Health Plan\s+active, Synthetic PPO Gold, service type 98, copay \$25\.00/);
    expect(lines[3]).to.match(/^2026-03-03T14:00:00-05:00\s+a-2\s+Patient\/pat-2\s+pending \(asked/);
    const s = frontdesk(['eligibility', 'show', 'a-1', '--format', 'json']);
    expect((JSON.parse(s.out) as Array<{ record: { copay: number } }>)[0]!.record.copay).to.equal(25);
    expect(frontdesk(['eligibility', 'show', 'nope']).code).to.equal(1);
  });
});
