/**
 * The Bundle's text made from its resources' texts (src/runtime/bundle-text.ts) is JSON.stringify's
 * of the Bundle, whatever its shape; and what processing stores and queues from it: the outcome's
 * outputs and a `bundle` destination's payload hold the Bundle whose resources are the stored ones,
 * for a message that creates them and for one that finds them stored unchanged; the outputs' and an
 * `office` destination's office records are the stored ones, as JSON.stringify writes them.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Bundle, Resource } from 'fhir/r4.js';
import { bundleTextOf } from '../../src/runtime/bundle-text.js';
import { processHl7 } from '../../src/flows/hl7v2/process.js';
import { emptyLookup } from '../../src/flows/types.js';
import type { Gateway } from '../../src/gateway.js';
import { startTest, tempDir } from '../support/gateway.js';

const textsOf = (b: Bundle) => (b.entry ?? []).map((e) => (e.resource ? JSON.stringify(e.resource) : undefined));
const example = readFileSync(resolve('examples/hl7v2/adt-a04.hl7'), 'utf8').replace(/\r?\n/g, '\r');

describe('runtime/bundle-text: a Bundle serialized from its resources\' texts', () => {
  it('the ADT^A04 example\'s Bundle: the text JSON.stringify makes', () => {
    const out = processHl7(example, { name: 'c', source: {}, destinations: [], validation: 'tolerant' }, { timezone: 'America/Chicago', lookup: emptyLookup }).output!;
    expect(out.bundle.entry!.length).to.be.greaterThan(1);
    expect(bundleTextOf(out.bundle, textsOf(out.bundle))).to.equal(JSON.stringify(out.bundle));
  });

  it('keys after entry, entries with and without fullUrl and request, odd characters, the mark itself in the data', () => {
    const basic = (text: string) => ({ resourceType: 'Basic', id: 'b', text }) as unknown as Resource;
    const cases: Bundle[] = [
      { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: basic('a "quoted" \u2028 line') }], signature: { who: { display: 'x' } } } as unknown as Bundle,
      { resourceType: 'Bundle', type: 'transaction', entry: [{ fullUrl: 'Basic/b', resource: basic('x'), request: { method: 'PUT', url: 'Basic/b' } }, { request: { method: 'PUT', url: 'Basic/c' }, resource: basic('y') }] },
      { resourceType: 'Bundle', id: '\u0000frontdesk:resource-text\u0000', type: 'transaction', entry: [{ resource: basic('x') }] },
      { resourceType: 'Bundle', type: 'transaction', entry: [{ fullUrl: '\u0000frontdesk:resource-text\u0000', resource: basic('\u0000frontdesk:resource-text\u0000') }] },
    ];
    for (const b of cases) expect(bundleTextOf(b, textsOf(b))).to.equal(JSON.stringify(b));
  });

  it('an entry without a text, or texts that do not match the entries: the Bundle serialized as it is', () => {
    const b: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Basic', id: 'x' } as Resource }, { request: { method: 'DELETE', url: 'Basic/y' } }] };
    expect(bundleTextOf(b, textsOf(b))).to.equal(JSON.stringify(b));
    expect(bundleTextOf(b, ['{"resourceType":"Basic","id":"x"}'])).to.equal(JSON.stringify(b));
    expect(bundleTextOf({ resourceType: 'Bundle', type: 'transaction' }, [])).to.equal(JSON.stringify({ resourceType: 'Bundle', type: 'transaction' }));
  });

  describe('through processing', () => {
    let tmp: ReturnType<typeof tempDir>;
    let gw: Gateway;
    beforeEach(async () => {
      tmp = tempDir();
      gw = await startTest(join(tmp.dir, 'fd.db'), {
        destinations: { ehr: { type: 'fhir', baseUrl: 'http://127.0.0.1:9/fhir', auth: { type: 'none' } }, inbox: { type: 'http', url: 'http://127.0.0.1:9/inbox', auth: { type: 'none' } } },
        channels: [{ name: 'reg', source: { mllp: { port: 0 } }, destinations: ['ehr', { name: 'inbox', payload: 'office' }] }],
      }, { noHttp: true });
    });
    afterEach(async () => {
      await gw.close();
      tmp.cleanup();
    });

    it('a first message and the same patient again: outputs and the queued Bundle and office records hold the stored ones', async () => {
      for (const [n, created] of [[1, true], [2, false]] as const) {
        const r = await gw.pipeline.receive({ channel: gw.pipeline.channel('reg'), source: 'mllp', contentType: 'hl7v2', raw: example.replace(/\|[^|]*\|P\|/, `|BT${n}|P|`) });
        if (!r.ok) throw new Error('store failed');
        const a = await r.answer;
        expect(a.ackCode).to.equal('AA');
        const outputs = (await gw.store.messages.get(a.id))!.outputs as { bundle: Bundle; office: object[]; stored: Array<{ status: string }> };
        expect(outputs.stored.every((s) => s.status === (created ? '201 Created' : '200 OK'))).to.equal(true);
        for (const e of outputs.bundle.entry!) expect(e.resource).to.deep.equal((await gw.store.resources.get(e.resource!.resourceType, e.resource!.id!))!.resource);
        const items = (await gw.store.outbox.list({})).filter((o) => o.messageId === a.id);
        const queued = items.filter((o) => o.kind === 'fhir-bundle');
        expect(queued).to.have.length(1);
        expect(queued[0]!.payload).to.equal(JSON.stringify(outputs.bundle));
        const office = await gw.store.officeRecords.of(a.id);
        expect(office).to.have.length.greaterThan(0);
        expect(outputs.office).to.deep.equal(office);
        expect(items.filter((o) => o.kind === 'office-record').map((o) => o.payload)).to.deep.equal(office.map((r) => JSON.stringify(r)));
      }
    });
  });
});
