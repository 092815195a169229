/**
 * Jobs end to end on what the gateway itself stored: the repository's DFT^P03 example sent over
 * MLLP to the gateway's listener becomes a Claim in the store, and the claim batch submits it.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import type { Bundle } from 'fhir/r4.js';
import { checkConfig } from '../../src/config.js';
import { parseDeliveryConfig } from '../../src/delivery/config.js';
import { MllpClient } from '../../src/clients/mllp.js';
import { runJob } from '../../src/jobs/runner.js';
import { silentLogger } from '../../src/logging.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { testStoreConfig } from '../support/engine.js';

const CH = 'https://claims.example.com';
const example = (p: string) => readFileSync(join('examples/hl7v2', p), 'utf8');

describe('jobs end to end on messages received by the gateway', () => {
  let dir: string;
  let gateway: Gateway | undefined;
  let client: MllpClient | undefined;

  before(() => { nock.disableNetConnect(); nock.enableNetConnect('127.0.0.1'); });
  after(() => nock.enableNetConnect());
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'frontdesk-e2e-jobs-')); });
  afterEach(async () => {
    client?.close();
    await gateway?.close();
    nock.cleanAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('DFT -> Claim in the store -> claim batch -> clearinghouse', async () => {
    const json = {
      practice: { name: 'Sample Family Practice', timezone: 'America/New_York' },
      store: testStoreConfig(join(dir, 'store.sqlite')),
      log: { level: 'silent' },
      http: { host: '127.0.0.1', port: 0 },
      channels: [{ name: 'inbound', source: { mllp: { port: 0 } }, destinations: [] }],
      destinations: { clearinghouse: { type: 'clearinghouse', url: `${CH}/claims`, auth: { type: 'bearer', token: 'ch' } } },
    };
    const cfg = checkConfig(json, dir, {});
    expect(cfg.issues).to.deep.equal([]);
    gateway = await startGateway(cfg.value!, { log: silentLogger, noHttp: true });
    client = new MllpClient({ host: '127.0.0.1', port: gateway.mllp[0]!.address().port, tls: false, connectTimeoutMs: 2000, ackTimeoutMs: 10_000, idleTimeoutMs: 60_000 });
    const out = await client.send(example('billing/dft-p03-office-visit.hl7'));
    expect(out.ok ? out.partnerStatus : out.partnerResponse).to.equal('AA');
    expect(await gateway.store.resources.count('Claim')).to.equal(1);

    const delivery = parseDeliveryConfig({ destinations: json.destinations, jobs: {} }, 'America/New_York').value!;
    const sent: Array<{ key: string; bundle: Bundle }> = [];
    nock(CH).post('/claims').reply(function (_u, body) {
      sent.push({ key: String(this.req.headers['idempotency-key']), bundle: (typeof body === 'string' ? JSON.parse(body) : body) as Bundle });
      return [202, { status: 'accepted' }];
    });
    const batch = await runJob('claim-batch', { store: gateway.store, config: delivery, logger: silentLogger });
    expect(batch.summary).to.include({ queued: 1, delivered: 1 });
    expect(sent).to.have.length(1);
    expect(sent[0]!.key).to.match(/^claim:.*\|ENC-2026-000123$/);
    const types = sent[0]!.bundle.entry!.map((e) => e.resource!.resourceType);
    expect(types[0]).to.equal('Claim');
    expect(types).to.include.members(['Patient', 'Coverage', 'Practitioner', 'Organization']);
    // Every reference inside the Bundle resolves to one of its entries.
    const fullUrls = new Set(sent[0]!.bundle.entry!.map((e) => e.fullUrl));
    const refs = [...JSON.stringify(sent[0]!.bundle).matchAll(/"reference":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).to.be.greaterThan(4);
    expect(refs.filter((r) => !fullUrls.has(r))).to.deep.equal([]);
    expect((await gateway.store.claims.get(sent[0]!.key.slice('claim:'.length)))!.status).to.equal('accepted');


    // Nothing new on the next run.
    expect((await runJob('claim-batch', { store: gateway.store, config: delivery })).summary).to.include({ queued: 0, attempted: 0 });
  });
});
