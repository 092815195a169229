/**
 * The invariants read natively (src/validation/invariants.ts: QUICK_CHECKS and the shapes of
 * quickForPattern) against fhirpath.js on real outputs: every message of the public corpus
 * (../shared/corpus/hl7v2-ms-fhir-converter) that a flow converts gives a Bundle, and on that
 * Bundle and each of its resources every native reading that decides must give fhirpath.js's
 * answer. Resolved from this file's location; skipped with one line when the corpus is absent.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4/index.js';
import { parseHl7 } from '../../src/hl7/message.js';
import { flowFor } from '../../src/flows/registry.js';
import { emptyLookup } from '../../src/flows/types.js';
import { compileConstraints, QUICK_CHECKS } from '../../src/validation/invariants.js';
import { describeWithCorpus } from '../support/shared-corpus.js';

const RULES: [string, string][] = [
  ...Object.values(QUICK_CHECKS).map((q): [string, string] => ['Bundle', q.expression]),
  ['Observation', "category.coding.where(system = 'http://terminology.hl7.org/CodeSystem/observation-category' and code = 'laboratory').exists()"],
  ['Observation', "(status = 'final' or status = 'amended' or status = 'corrected') implies (value.exists() or dataAbsentReason.exists() or component.exists() or hasMember.exists())"],
  ['Observation', 'value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()'],
  ['DiagnosticReport', "category.coding.where(system = 'http://terminology.hl7.org/CodeSystem/v2-0074' and code = 'LAB').exists()"],
];

describeWithCorpus('hl7v2-ms-fhir-converter', 'validation: native invariant readings agree with fhirpath.js on the corpus outputs', (CORPUS) => {
  it('on every Bundle the flows make of the corpus, and on its resources', () => {
    const rules = RULES.map(([base, expression]) => {
      const [c] = compileConstraints(base, [{ key: 'x-1', severity: 'error', human: 'x', expression }]);
      const quick = c!.quick ?? QUICK_CHECKS[Object.keys(QUICK_CHECKS).find((k) => QUICK_CHECKS[k]!.expression === expression)!]?.check;
      expect(quick, expression).to.be.a('function');
      return { base, expression, quick: quick! };
    });
    let decided = 0;
    let bundles = 0;
    for (const f of readdirSync(CORPUS).filter((x) => x.endsWith('.hl7')).sort()) {
      const m = parseHl7(readFileSync(path.join(CORPUS, f), 'utf8')).value;
      const flow = m ? flowFor(m.messageType) : undefined;
      if (!m || !flow) continue;
      let bundle: { entry?: { resource?: Record<string, unknown> }[] } | undefined;
      try {
        bundle = flow.run(m, { timezone: 'America/Chicago', lookup: emptyLookup }).value?.bundle as typeof bundle;
      } catch {
        continue; // a flow's own failure is tested elsewhere; here only what it outputs matters
      }
      if (!bundle) continue;
      bundles++;
      const targets: Record<string, unknown>[] = [bundle as Record<string, unknown>, ...(bundle.entry ?? []).map((e) => e.resource).filter((r): r is Record<string, unknown> => !!r)];
      for (const res of targets) {
        for (const r of rules) {
          if (res.resourceType !== r.base) continue;
          const quick = r.quick(res);
          if (quick === undefined) continue;
          decided++;
          const reference = fhirpath.evaluate(res, { base: r.base, expression: r.expression }, { resource: res, rootResource: res } as never, r4model as never);
          expect({ file: f, expression: r.expression, result: [quick] }).to.deep.equal({ file: f, expression: r.expression, result: reference });
        }
      }
    }
    expect(bundles).to.be.greaterThan(20);
    expect(decided).to.be.greaterThan(100);
  });
});
