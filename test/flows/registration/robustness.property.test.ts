import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import fc from 'fast-check';
import { hasErrors } from '../../../src/domain/issues.js';
import { parseHl7 } from '../../../src/hl7/message.js';
import { runAdt } from '../../../src/flows/registration/flow.js';

const base = readFileSync('examples/hl7v2/registration/adt-a04-two-policies.hl7', 'utf8');
const merge = readFileSync('examples/hl7v2/registration/adt-a40-merge.hl7', 'utf8');

/** A message damaged by cutting it, and overwriting characters with delimiters, letters or digits. */
const damaged = fc.record({
  text: fc.constantFrom(base, merge),
  cut: fc.nat(),
  edits: fc.array(fc.tuple(fc.nat(), fc.constantFrom('|', '^', '~', '&', '\\', '\r', 'X', '9', '', '""')), { maxLength: 8 }),
}).map(({ text, cut, edits }) => {
  let t = text.slice(0, Math.max(40, cut % (text.length + 1)));
  for (const [at, ch] of edits) {
    const i = 40 + (at % Math.max(1, t.length - 40));
    t = t.slice(0, i) + ch + t.slice(i + 1);
  }
  return t;
});

describe('registration: damaged ADT never crashes the flow (fast-check)', function () {
  this.timeout(300_000);
  it('returns output without errors, or issues that say why (1000 cases)', () => {
    fc.assert(fc.property(damaged, (t) => {
      const parsed = parseHl7(t);
      if (!parsed.value) { expect(parsed.issues.length).to.be.greaterThan(0); return; }
      const r = runAdt(parsed.value, { timezone: 'America/New_York' });
      if (r.value === undefined) expect(hasErrors(r.issues) || r.issues.length > 0).to.equal(true);
      else expect(hasErrors(r.issues)).to.equal(false);
    }), { numRuns: 1000 });
  });
});
