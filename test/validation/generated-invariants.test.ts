/**
 * The invariants a generated checker reads from the keys (src/validation/generated/invariants.ts)
 * against fhirpath.js: random expressions of the subset it reads (exists, empty, `= 'text'`,
 * contains, not, and, or, xor, implies: FHIRPath's three-valued logic) over random clean
 * Observations. Where the native reading gives an answer, it must be fhirpath.js's; it may only
 * decline (undefined: the walker's evaluator then runs). The real profiles' invariants go the same
 * way in generated-walk.test.ts, through validateResource.
 */
import { expect } from 'chai';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4/index.js';
import { buildShapes } from '../../src/validation/compile.js';
import { baseDefinitions } from '../../src/validation/definitions.js';
import { invariantCode, LOGIC, parseInvariant } from '../../src/validation/generated/invariants.js';
import { prng } from '../../scripts/chaos.js';

/** The seeded generator of the crash harness (mulberry32): the same values on every run. */
const rng = prng;

const ATOMS = [
  "status = 'final'", "status != 'amended'", "status.contains('en')", 'value.exists()', 'value.empty()', 'dataAbsentReason.exists()',
  'component.exists()', 'component.code.exists()', 'text.`div`.exists()', 'text.`div`.empty()', 'code.text.exists()', 'code.coding.empty()',
  "component.where(code.text = 'a').exists()", 'note.select(text).empty()', 'component.code.where(coding.intersect(%resource.code.coding).exists()).empty()',
  'component.code.coding.code.exists()', 'code.coding.code.exists()', 'note.text.empty()', 'component.value.exists()',
  'issued.exists()', "issued = '2024-01-01T00:00:00Z'", 'valueQuantity.unit.exists()', 'note.empty()', 'contained.contained.empty()', 'subject.reference.exists()',
];

function expression(r: () => number, depth = 0): string {
  const atom = (): string => ATOMS[Math.floor(r() * ATOMS.length)]!;
  if (depth > 2 || r() < 0.3) return r() < 0.15 ? `(${atom()}).not()` : atom();
  const op = ['and', 'or', 'xor', 'implies'][Math.floor(r() * 4)]!;
  const e = `${expression(r, depth + 1)} ${op} ${expression(r, depth + 1)}`;
  return r() < 0.5 ? `(${e})` : e;
}

/** A clean Observation with a random subset of its optional elements. */
function observation(r: () => number): Record<string, unknown> {
  const o: Record<string, unknown> = { resourceType: 'Observation', status: ['final', 'amended', 'preliminary', 'registered'][Math.floor(r() * 4)], code: r() < 0.5 ? { text: 'Hb' } : { coding: [r() < 0.5 ? { system: 'http://loinc.org', code: '718-7' } : { system: 'http://loinc.org' }] } };
  if (r() < 0.5) o.valueQuantity = r() < 0.5 ? { value: 1, unit: 'g/dL' } : { value: 2 };
  else if (r() < 0.3) o.valueString = 'x';
  if (r() < 0.3) o.dataAbsentReason = { text: 'n/a' };
  if (r() < 0.3) o.component = [{ code: { text: 'a' }, valueString: 'b' }];
  else if (r() < 0.3) o.component = [{ code: { coding: [{ system: 'http://loinc.org' }] } }, ...(r() < 0.5 ? [{ code: { coding: [{ code: 'x' }] }, valueBoolean: true }] : [])];
  if (r() < 0.3) o.text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };
  if (r() < 0.3) o.issued = '2024-01-01T00:00:00Z';
  if (r() < 0.3) o.note = [{ text: 'n' }];
  if (r() < 0.3) o.subject = r() < 0.5 ? { reference: 'Patient/1' } : { display: 'p' };
  return o;
}

describe('validation: invariants read from the keys agree with fhirpath.js', () => {
  it('on 2,000 random expressions of the subset over random Observations', () => {
    const sd = baseDefinitions().byType.get('Observation')!;
    const shape = buildShapes(sd.snapshot!.element, () => undefined, []).root;
    const r = rng(1717);
    let answered = 0, declined = 0;
    for (let n = 0; n < 2000; n++) {
      const expr = expression(r);
      const tree = parseInvariant(expr);
      expect(tree, expr).to.not.equal(undefined);
      const code = invariantCode(tree!, 'o', shape);
      const obs = observation(r);
      const reference = fhirpath.evaluate(obs, { base: 'Observation', expression: expr }, { resource: obs, rootResource: obs } as never, r4model as never) as unknown[];
      if (code === undefined) {
        declined++;
        continue;
      }
      const native = new Function('o', 'N', `return ${code};`)(obs, LOGIC) as boolean | null | undefined;
      if (native === undefined) {
        declined++;
        continue;
      }
      answered++;
      expect(native === null ? [] : [native], `${expr} on ${JSON.stringify(obs)}`).to.deep.equal(reference);
    }
    expect(answered).to.be.greaterThan(1000);
    expect(declined).to.be.greaterThan(0);
  });

  it('declines what is outside the subset', () => {
    for (const e of ["name.where(use = 'official').count() > 0", 'name.first().exists()', '(name | telecom).exists()', "name.where(use = 'x').given = 'y'", 'start <= end', 'identifier.count() > 0', '%resource.type = \'x\'', 'a.exists(', "name = 'x' = 'y'", 'value.exists() and', 'hasValue()', 'text.div.exists()']) {
      expect(parseInvariant(e), e).to.equal(undefined);
    }
  });
});
