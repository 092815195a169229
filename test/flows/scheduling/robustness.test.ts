import { readdirSync } from 'node:fs';
import { expect } from 'chai';
import fc from 'fast-check';
import type { Bundle } from 'fhir/r4.js';
import { parseHl7 } from '../../../src/hl7/message.js';
import { siuFlow } from '../../../src/flows/scheduling/index.js';
import { ctx, errors, EXAMPLES_HL7, hl7Example, memoryLookup } from '../../support/scheduling.js';

describe('scheduling: robustness', () => {
  it('replaying the same S12 is idempotent: same ids, no conflict', () => {
    const store = memoryLookup();
    const first = siuFlow.run(hl7Example('s12-new.hl7'), ctx({ lookup: store }));
    first.value!.bundle.entry!.forEach((e) => store.put(e.resource!));
    const again = siuFlow.run(hl7Example('s12-new.hl7'), ctx({ lookup: store }));
    expect(errors(again.issues)).to.deep.equal([]);
    const urls = (b: Bundle) => b.entry!.map((e) => e.request!.url);
    expect(urls(again.value!.bundle)).to.deep.equal(urls(first.value!.bundle));
    expect(again.value!.bundle).to.deep.equal(first.value!.bundle);
  });

  it('property: damaged SIU messages never crash the flow, and every error names where (500 cases)', () => {
    const files = readdirSync(EXAMPLES_HL7);
    const garbage = fc.string({ unit: fc.constantFrom(...'0123456789-+.:TZ^&~\\|abcXYZ '.split('')), maxLength: 24 });
    fc.assert(fc.property(
      fc.constantFrom(...files), fc.nat(), fc.nat(), garbage,
      (file, segPick, fieldPick, junk) => {
        const msg = hl7Example(file);
        const segs = msg.segments.slice(1); // keep MSH readable
        const seg = segs[segPick % segs.length]!;
        const lines = msg.toString().split('\r');
        const i = msg.segments.indexOf(seg);
        const fields = lines[i]!.split('|');
        const f = 1 + (fieldPick % Math.max(1, fields.length + 2));
        while (fields.length <= f) fields.push('');
        fields[f] = junk;
        lines[i] = fields.join('|');
        const parsed = parseHl7(lines.join('\r'));
        if (!parsed.value) return;
        const out = siuFlow.run(parsed.value, ctx({ lookup: memoryLookup() }));
        for (const e of errors(out.issues)) expect(e.expression?.length, e.diagnostics).to.be.greaterThan(0);
        if (out.value) expect(out.value.bundle.entry!.some((e) => e.resource!.resourceType === 'Appointment')).to.equal(true);
      },
    ), { numRuns: 500 });
  });
});
