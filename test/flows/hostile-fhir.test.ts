import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { detectInput } from '../../src/domain/input.js';
import { hasErrors } from '../../src/domain/issues.js';
import { converters } from '../../src/flows/registry.js';
import { emptyLookup, type Target } from '../../src/flows/types.js';

const example = (name: string) => JSON.parse(readFileSync(`examples/fhir/${name}.json`, 'utf8')) as Record<string, any>;
const ctx = { timezone: 'America/New_York', lookup: emptyLookup };

/** detect + pick a converter + convert, as `frontdesk convert` does; must not throw. */
function convert(doc: unknown, to: Target) {
  const d = detectInput(JSON.stringify(doc));
  if (!d.value) return { value: undefined, issues: d.issues };
  const c = converters.find((x) => x.accepts(d.value!));
  return c!.convert(d.value, to, ctx);
}

describe('review: structurally broken FHIR input is reported, never thrown', () => {
  const cases: Array<[string, string, (r: Record<string, any>) => void]> = [
    ['Claim with a null item', 'claim', (r) => { r.item[0] = null; }],
    ['Claim with item as an object', 'claim', (r) => { r.item = {}; }],
    ['Claim with a null identifier', 'claim', (r) => { r.identifier = [null]; }],
    ['ClaimResponse with a number for item', 'claimresponse-accepted', (r) => { r.item = 42; }],
    ['ClaimResponse with error as an object', 'claimresponse-rejected', (r) => { r.error = {}; }],
    ['DiagnosticReport with result as an object', 'diagnosticreport', (r) => { r.result = {}; }],
    ['DiagnosticReport with a null result', 'diagnosticreport', (r) => { r.result = [null]; }],
  ];
  for (const [title, name, mutate] of cases) {
    for (const to of ['fhir', 'office'] as const) {
      it(`${title} -> ${to}: errors, no value`, () => {
        const doc = example(name);
        mutate(doc);
        const out = convert(doc, to);
        expect(out.value).to.equal(undefined);
        expect(hasErrors(out.issues)).to.equal(true);
      });
    }
  }

  it('a Bundle whose entry is not an array of objects is rejected by detection (converters pick Bundles by entry types)', () => {
    for (const entry of [42, {}, [null], ['x']]) {
      const d = detectInput(JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry }));
      expect(d.value).to.equal(undefined);
      expect(d.issues.map((i) => i.expression?.[0])).to.deep.equal(['Bundle.entry']);
    }
  });
});
