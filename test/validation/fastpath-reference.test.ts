/**
 * fhirpath.js (the reference behind the fast evaluator) is loaded only when something needs it
 * (src/validation/fastpath/reference.ts): synchronously as its CommonJS build, or ahead of time as
 * its ES module build. Both builds must give the same answers, and a validation that the fast path
 * covers must not load either.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readdirSync } from 'node:fs';
import esm from 'fhirpath';
import type { ElementDefinitionConstraint, StructureDefinition } from 'fhir/r4.js';
import { baseDefinitions } from '../../src/validation/definitions.js';
import { example } from './helpers.js';

const require = createRequire(import.meta.url);
const cjs = require('fhirpath') as typeof esm;
const model = require('fhirpath/fhir-context/r4/index.js');

const EXAMPLES = readdirSync('examples/fhir').filter((f) => f.endsWith('.json'));

/** Each build's answer, or the message it threw. */
function answer(fhirpath: typeof esm, resource: unknown, base: string, expression: string): string {
  try {
    const env = { resource, rootResource: resource, ucum: 'http://unitsofmeasure.org' };
    return JSON.stringify(fhirpath.evaluate(resource, { base, expression }, env as never, model, { traceFn: () => {} }));
  } catch (e) {
    return `threw ${(e as Error).message}`;
  }
}

describe('validation: fhirpath.js loaded on first need', () => {
  it('its CommonJS and ES module builds give the same answers (every R4 invariant of each example resource, and dates, quantities, strings)', () => {
    const extra = [
      "today() > @2020-01-01", "now().toString().length() > 10", "@2024-03-05T10:00:00Z = @2024-03-05T05:00:00-05:00",
      "@2024-03 < @2024-03-05", "1 'mg' = 1000 'ug'", "(1 'kg').toQuantity('g')", "2.50 * 2", "'Ab3'.matches('^[A-Z][a-z][0-9]$')",
      "'a,b'.split(',').count()", "'x'.toInteger()", "(1 | 2 | 2).distinct().count()", "descendants().count() > 0",
    ];
    let compared = 0;
    const differ: string[] = [];
    for (const f of EXAMPLES) {
      const resource = example(f);
      const rt = resource.resourceType as string;
      const sd = baseDefinitions().byType.get(rt) as StructureDefinition | undefined;
      const root = (sd?.snapshot?.element ?? []).filter((e) => e.path === rt).flatMap((e) => e.constraint ?? []) as ElementDefinitionConstraint[];
      for (const expression of [...root.map((c) => c.expression).filter((x): x is string => !!x), ...extra]) {
        const a = answer(cjs, resource, rt, expression);
        const b = answer(esm, resource, rt, expression);
        if (a !== b) differ.push(`${f} ${expression}: ${a} vs ${b}`);
        compared++;
      }
    }
    expect(differ).to.deep.equal([]);
    expect(compared).to.be.greaterThan(100);
  });

  it('a validation the fast path covers does not load it; an expression the fast path cannot compile does', function () {
    this.timeout(120_000);
    const script = `
      const { readFileSync } = await import('node:fs');
      const { validateResource } = await import('./src/validation/index.js');
      const { referenceLoads, compileInvariant } = await import('./src/validation/fastpath/index.js');
      const issues = validateResource(JSON.parse(readFileSync('examples/fhir/patient.json', 'utf8')), { otherwise: 'base' });
      const afterPatient = referenceLoads.require + referenceLoads.import;
      // aggregate() is not in the fast path's subset: fhirpath.js compiles it.
      compileInvariant('Patient', 'name.aggregate($this + 1, 0) >= 0');
      process.stdout.write(JSON.stringify({ afterPatient, after: referenceLoads, errors: issues.filter((i) => i.severity === 'error').length }));
    `;
    // The parse-tree cache on, whatever this process was started with.
    const env = { ...process.env, FRONTDESK_DEFINITIONS_CACHE: '' };
    const run = () => JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env })) as { afterPatient: number; after: { require: number; import: number }; errors: number };
    run(); // fills the parse-tree cache (a first run may parse with fhirpath.js)
    const r = run();
    expect(r).to.deep.equal({ afterPatient: 0, after: { require: 1, import: 0 }, errors: 0 });
  });
});
