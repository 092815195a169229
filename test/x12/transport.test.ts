import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import nock from 'nock';
import { openStore, type Store } from '../../src/store/index.js';
import { batch837FromStore } from '../../src/x12/837p/build.js';
import { dropFile, pickUp } from '../../src/x12/transport/folder.js';
import { ClearinghouseClient } from '../../src/clients/clearinghouse.js';
import { parseDeliveryConfig } from '../../src/delivery/config.js';
import { NOW, TODAY, at, claimBundle, identity } from './helpers.js';

describe('x12: transport (folder drop/pickup, X12 over HTTPS)', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fd-x12-folder-'));
    store = await openStore({ path: join(dir, 'fd.db') });
  });
  afterEach(async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); nock.cleanAll(); });

  it('an outbound batch is written atomically: the file appears whole, no temporary file is left', async () => {
    const b = await batch837FromStore(store, [claimBundle('claim-single-line')], { identity: identity(), destination: 'clearinghouse', now: NOW, today: TODAY });
    const out = join(dir, 'outbox');
    const path = dropFile(out, `837P-${b.value!.interchange}.x12`, b.value!.x12!);
    expect(readFileSync(path, 'utf8')).to.equal(b.value!.x12);
    expect(readdirSync(out)).to.deep.equal(['837P-000000001.x12']);
  });

  it('inbound files are picked up once, applied, archived; the same 835 dropped again is never posted twice', async () => {
    await batch837FromStore(store, [claimBundle('claim-single-line'), claimBundle('claim-several-lines')], { identity: identity(), destination: 'clearinghouse', now: NOW, today: TODAY });
    const inbox = join(dir, 'inbox');
    dropFile(inbox, 'a-277ca.x12', readFileSync('examples/x12/inbound/277ca.x12', 'utf8'));
    dropFile(inbox, 'b-835.x12', readFileSync('examples/x12/inbound/835-paid.x12', 'utf8'));
    writeFileSync(join(inbox, 'c-garbage.x12'), 'ISA*00*truncated');
    const first = await pickUp(inbox, store, new Date('2026-06-10T12:00:00Z'));
    expect(first.map((p) => `${p.name}:${p.outcome}`)).to.deep.equal(['a-277ca.x12:applied', 'b-835.x12:applied', 'c-garbage.x12:rejected']);
    expect(first[1]!.result!.posted).to.equal(true);
    expect(at(first[2]!.issues)).to.deep.equal(['X12_SYNTAX@ISA']);
    expect(readdirSync(inbox).filter((n) => !['processing', 'archive', 'rejected'].includes(n))).to.deep.equal([]);
    expect(readdirSync(join(inbox, 'archive'))).to.have.length(2);
    expect(readdirSync(join(inbox, 'rejected'))).to.have.length(1);
    expect((await store.x12.get('ENC-2026-000201'))[0]!.state).to.equal('paid');

    // The clearinghouse drops the same remittance again under another name.
    dropFile(inbox, 'd-835-again.x12', readFileSync('examples/x12/inbound/835-paid.x12', 'utf8'));
    const second = await pickUp(inbox, store, new Date('2026-06-11T12:00:00Z'));
    expect(second.map((p) => `${p.name}:${p.outcome}`)).to.deep.equal(['d-835-again.x12:duplicate']);
    expect((await store.x12.get('ENC-2026-000201'))[0]!.history.filter((h) => h.source === '835')).to.have.length(1);
    expect(existsSync(join(inbox, 'd-835-again.x12'))).to.equal(false);
  });

  it('the clearinghouse destination takes an 837P over HTTPS as application/edi-x12 with its idempotency key', async () => {
    const d = parseDeliveryConfig({ destinations: { clearinghouse: { type: 'clearinghouse', url: 'https://ch.example.test/x12', auth: { type: 'bearer', token: 'tok' } } } }, 'UTC').value!.destinations.clearinghouse!;
    const b = await batch837FromStore(store, [claimBundle('claim-single-line')], { identity: identity(), destination: 'clearinghouse', now: NOW, today: TODAY });
    let got = '';
    nock('https://ch.example.test').post('/x12').matchHeader('content-type', 'application/edi-x12').matchHeader('idempotency-key', 'x12:000000001')
      .reply(200, function (_uri, body) { got = String(body); return '{"status":"accepted"}'; });
    const client = new ClearinghouseClient(d as never);
    const r = await client.submit(b.value!.x12!, 'x12:000000001', 'application/edi-x12');
    expect(r.ok).to.equal(true);
    expect(got).to.equal(b.value!.x12);
  });
});
