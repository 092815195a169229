/**
 * What a processing worker sends back (src/runtime/offload.ts serializeOutput): the Bundle's text
 * must be exactly JSON.stringify of the Bundle, and its entries, read back from their texts, the
 * same entries; a Bundle it cannot split surely travels whole.
 */
import { expect } from 'chai';
import { bundleText, entriesFromText, serializeOutput } from '../../src/runtime/offload.js';
import { oruR01 } from '../../bench/messages.js';
import { parseHl7 } from '../../src/hl7/message.js';
import { flowFor } from '../../src/flows/registry.js';
import { emptyLookup } from '../../src/flows/types.js';

describe('runtime/offload: outputs serialized in the worker', () => {
  it('a lab Bundle: the same text as JSON.stringify, entries read back equal, office records too', async () => {
    const m = parseHl7(oruR01(40)).value!;
    const out = flowFor(m.messageType)!.run(m, { timezone: 'America/Chicago', lookup: emptyLookup }).value!;
    const { bundle, json } = serializeOutput(out);
    expect(bundleText(json)).to.equal(JSON.stringify(out.bundle));
    expect(json.office).to.equal(JSON.stringify(out.office));
    expect(bundle.entry).to.deep.equal([]);
    expect(json.entrySpans).to.have.length(2 * out.bundle.entry!.length);
    let turns = 0;
    const entries = await entriesFromText(json, () => { turns++; return undefined; });
    expect(entries).to.deep.equal(JSON.parse(JSON.stringify(out.bundle.entry)));
    expect(turns).to.equal(entries.length);
    expect(JSON.stringify({ ...bundle, entry: entries })).to.equal(bundleText(json));
  });

  it('keys after entry, an empty entry list, no entry list, and the mark itself in the data', async () => {
    const cases: Record<string, unknown>[] = [
      { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:1', resource: { resourceType: 'Basic', text: 'a "quoted" \u2028 line' } }], signature: { who: { display: 'x' } } },
      { resourceType: 'Bundle', type: 'collection', entry: [] },
      { resourceType: 'Bundle', type: 'collection' },
      { resourceType: 'Bundle', type: 'collection', id: '\u0000entries\u0000', entry: [{ fullUrl: 'urn:uuid:2' }] },
    ];
    for (const b of cases) {
      const { bundle, json } = serializeOutput({ bundle: b, office: [] });
      expect(bundleText(json)).to.equal(JSON.stringify(b));
      if (json.entrySpans) expect(JSON.stringify({ ...bundle, entry: await entriesFromText(json, () => undefined) })).to.equal(JSON.stringify(b));
      else expect(bundle).to.equal(b);
    }
    // The mark in the data: sent whole, not split.
    expect(serializeOutput({ bundle: cases[3]!, office: [] }).json.entrySpans).to.equal(undefined);
  });
});
