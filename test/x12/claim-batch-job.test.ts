import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'chai';
import nock from 'nock';
import type { Bundle, Claim, Resource } from 'fhir/r4.js';
import { parseDeliveryConfig } from '../../src/delivery/config.js';
import { runJob } from '../../src/jobs/runner.js';
import { parse837 } from '../../src/x12/837p/parse.js';
import type { Store } from '../../src/store/index.js';
import { tempDb, type TempDb } from '../delivery/helpers.js';
import { claimBundle, errorsOf, identity } from './helpers.js';

const CH = 'https://ch.example.test';
const inbound = (n: string) => readFileSync(`examples/x12/inbound/${n}`, 'utf8');

/** Store every resource of an example claim Bundle, as the DFT flow would have. */
async function seedClaim(store: Store, name: string, change?: (claim: Claim) => void): Promise<void> {
  const b: Bundle = claimBundle(name);
  for (const e of b.entry ?? []) {
    const r = structuredClone(e.resource!) as Resource;
    if (r.resourceType === 'Claim' && change) change(r as Claim);
    await store.resources.upsert(r as never, null, new Date('2026-06-01T12:00:00Z'));
  }
}

describe('x12: the claim-batch job sends one 837P per run to a clearinghouse with an X12 identity', () => {
  let t: TempDb;
  const clock = new Date('2026-06-01T22:00:00Z');
  before(() => nock.disableNetConnect());
  after(() => { nock.cleanAll(); nock.enableNetConnect(); });
  beforeEach(() => { t = tempDb(); });
  afterEach(async () => { nock.cleanAll(); await t.close(); });

  const config = () => parseDeliveryConfig({
    destinations: { clearinghouse: { type: 'clearinghouse', url: `${CH}/x12`, auth: { type: 'bearer', token: 'ch' } } },
    jobs: { timezone: 'America/New_York', 'claim-batch': {} },
  }).value!;
  const deps = (now = clock) => ({ store: t.store, config: config(), billing: identity(), now: () => now });

  it('every pending claim in one interchange, posted as application/edi-x12; the 999 in the response acknowledges them; a second run sends nothing', async () => {
    await seedClaim(t.store, 'claim-single-line');
    await seedClaim(t.store, 'claim-several-lines');
    let body = '';
    nock(CH).post('/x12').matchHeader('content-type', 'application/edi-x12').matchHeader('idempotency-key', 'x12:clearinghouse:000000001')
      .reply(200, (_u, b) => { body = String(b); return inbound('999-accepted.x12'); }, { 'content-type': 'application/edi-x12' });
    const r = await runJob('claim-batch', deps());
    expect(r.summary).to.deep.include({ format: 'x12', queued: 1, interchange: '000000001', claims: 2, delivered: 1 });
    const parsed = parse837(body);
    expect(errorsOf(parsed.issues)).to.deep.equal([]);
    expect(parsed.value!.encounters.map((e) => e.encounterId).sort()).to.deep.equal(['ENC-2026-000201', 'ENC-2026-000202']);
    expect(body.match(/^ISA\*/gm)).to.have.length(1);
    const rows = await t.store.x12.list();
    expect(rows.map((x) => `${x.claimId}:${x.state}:${x.interchange}`).sort()).to.deep.equal(['ENC-2026-000201:acknowledged:000000001', 'ENC-2026-000202:acknowledged:000000001']);
    const items = await t.store.outbox.list({ destination: 'clearinghouse' });
    expect(items.map((i) => `${i.kind}:${i.state}`)).to.deep.equal(['x12-837:delivered']);
    expect((await runJob('claim-batch', deps())).summary).to.deep.include({ queued: 0 });
  });

  it('control numbers are durable: the next run (a new claim) is ISA-13 2, GS-06 2', async () => {
    nock(CH).post('/x12').times(2).reply(202, '');
    await seedClaim(t.store, 'claim-single-line');
    await runJob('claim-batch', deps());
    await seedClaim(t.store, 'claim-patient-not-subscriber');
    let body = '';
    nock.cleanAll();
    nock(CH).post('/x12').reply(202, (_u, b) => { body = String(b); return ''; });
    const r = await runJob('claim-batch', deps(new Date('2026-06-02T22:00:00Z')));
    expect(r.summary).to.deep.include({ interchange: '000000002', claims: 1 });
    expect(body).to.match(/\*000000002\*0\*T\*:~\nGS\*HC\*[^~]*\*2\*X\*005010X222A1~/);
  });

  it('a claim failing the claim edits is held with its reason (claims show), the others go; once corrected it goes next run', async () => {
    nock(CH).post('/x12').times(2).reply(202, '');
    await seedClaim(t.store, 'claim-single-line', (c) => { c.item![0]!.net!.value = -5; });
    await seedClaim(t.store, 'claim-several-lines');
    const r = await runJob('claim-batch', deps());
    expect(r.summary).to.deep.include({ queued: 1, claims: 1 });
    expect(r.summary.held).to.deep.equal(['ENC-2026-000201: CLAIM_EDIT@Bundle.entry[0].resource.item[0].net']);
    const [held] = await t.store.x12.get('ENC-2026-000201');
    expect(held).to.deep.include({ state: 'held', interchange: '' });
    expect(held!.detail).to.match(/^not sent, CLAIM_EDIT at Bundle\.entry\[0\]\.resource\.item\[0\]\.net: /);
    expect((await t.store.x12.get('ENC-2026-000202'))[0]!.state).to.equal('sent');

    // The same problem next run: still held, no new history line.
    await runJob('claim-batch', deps(new Date('2026-06-02T22:00:00Z')));
    expect((await t.store.x12.get('ENC-2026-000201'))[0]!.history).to.have.length(1);

    const text = spawnSync(process.execPath, [resolve('bin/frontdesk.js'), 'claims', 'show', 'ENC-2026-000201', '--db', t.path], { encoding: 'utf8', env: { ...process.env, FRONTDESK_LOG_LEVEL: 'silent' } });
    expect(text.status, text.stderr).to.equal(0);
    expect(text.stdout).to.match(/state held/);
    expect(text.stdout).to.match(/edits\s+held\s+not sent, CLAIM_EDIT at Bundle\.entry\[0\]\.resource\.item\[0\]\.net/);

    // Corrected in the practice system: the next run sends it; its one row keeps why it waited.
    await seedClaim(t.store, 'claim-single-line');
    const fixed = await runJob('claim-batch', deps(new Date('2026-06-03T22:00:00Z')));
    expect(fixed.summary).to.deep.include({ queued: 1, claims: 1, interchange: '000000002' });
    const rows = await t.store.x12.get('ENC-2026-000201');
    expect(rows).to.have.length(1);
    expect(rows[0]!.history.map((h) => `${h.source}:${h.state}`)).to.deep.equal(['edits:held', '837P:sent']);
  });

  it('a claim whose data breaks the 837P (an X12 delimiter in a name) is held naming the element; it does not stop the batch', async () => {
    nock(CH).post('/x12').reply(202, '');
    const b = claimBundle('claim-patient-not-subscriber');
    const patient = b.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource as unknown as { name: Array<{ family: string }> };
    await seedClaim(t.store, 'claim-patient-not-subscriber');
    await t.store.resources.upsert({ ...patient, name: [{ ...patient.name[0]!, family: 'Test*child' }] } as never, null, clock);
    await seedClaim(t.store, 'claim-single-line');
    const r = await runJob('claim-batch', deps());
    expect(r.summary).to.deep.include({ queued: 1, claims: 1, interchange: '000000002' });
    expect(r.summary.held).to.deep.equal(['ENC-2026-000203: X12_INVALID@2010CA.NM1-03']);
    expect((await t.store.x12.get('ENC-2026-000203'))[0]!.detail).to.contain('holds the delimiter "*"');
    expect((await t.store.x12.get('ENC-2026-000201'))[0]!.state).to.equal('sent');
  });

  it('a replacement, then a void, of a claim already sent goes once each (CLM05-3 7, then 8, with REF*F8); claims show keeps every submission', async () => {
    const bodies: string[] = [];
    nock(CH).post('/x12').times(3).reply(202, (_u, b) => { bodies.push(String(b)); return ''; });
    await seedClaim(t.store, 'claim-single-line');
    await runJob('claim-batch', deps());
    // The practice corrects the claim the payer holds as 2026153000123 (its 835 CLP-07): the same Claim, replaced.
    await seedClaim(t.store, 'claim-replacement');
    const r = await runJob('claim-batch', deps(new Date('2026-06-02T22:00:00Z')));
    expect(r.summary).to.deep.include({ queued: 1, claims: 1, interchange: '000000002' });
    expect(bodies[1]).to.contain('CLM*ENC-2026-000201*165***11:B:7*Y*A*Y*Y~\nREF*F8*2026153000123~');
    expect((await runJob('claim-batch', deps(new Date('2026-06-03T22:00:00Z')))).summary).to.deep.include({ queued: 0 });
    // Then withdraws it: the void (Claim.status cancelled) is sent although the claim is cancelled.
    await seedClaim(t.store, 'claim-void');
    expect((await runJob('claim-batch', deps(new Date('2026-06-04T22:00:00Z')))).summary).to.deep.include({ queued: 1, claims: 1, interchange: '000000003' });
    expect(bodies[2]).to.contain('CLM*ENC-2026-000201*125***11:B:8*Y*A*Y*Y~\nREF*F8*2026153000123~');
    expect((await runJob('claim-batch', deps(new Date('2026-06-05T22:00:00Z')))).summary).to.deep.include({ queued: 0 });
    const rows = await t.store.x12.get('ENC-2026-000201');
    expect(rows.map((x) => `${x.interchange}:${x.total}:${x.state}:${x.detail}`)).to.deep.equal([
      '000000003:125:sent:void of payer claim 2026153000123 (CLM05-3 8)', '000000002:165:sent:replacement of payer claim 2026153000123 (CLM05-3 7)', '000000001:125:sent:null',
    ]);
    const text = spawnSync(process.execPath, [resolve('bin/frontdesk.js'), 'claims', 'show', 'ENC-2026-000201', '--db', t.path], { encoding: 'utf8', env: { ...process.env, FRONTDESK_LOG_LEVEL: 'silent' } });
    expect(text.status, text.stderr).to.equal(0);
    expect(text.stdout).to.contain('replacement of payer claim 2026153000123 (CLM05-3 7)');
  });

  it('a cancelled claim that names no payer claim (never a void) is not sent', async () => {
    await seedClaim(t.store, 'claim-single-line', (c) => { c.status = 'cancelled'; });
    expect((await runJob('claim-batch', deps())).summary).to.deep.include({ queued: 0 });
  });

  it('without an X12 identity for the destination the job sends FHIR claim Bundles as before', async () => {
    nock(CH).post('/x12').reply(200, '{"status":"accepted"}');
    await seedClaim(t.store, 'claim-single-line');
    const r = await runJob('claim-batch', { store: t.store, config: config(), now: () => clock });
    expect(r.summary).to.deep.include({ queued: 1 });
    expect(r.summary.format).to.equal(undefined);
    expect((await t.store.outbox.list({ destination: 'clearinghouse' }))[0]!.contentType).to.equal('application/fhir+json');
  });
});
