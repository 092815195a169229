/**
 * The Bundle invariants read natively (QUICK_CHECKS in src/validation/invariants.ts: bdl-3,
 * bdl-4, bdl-7) must give fhirpath.js's answer on every Bundle they decide, and leave to FHIRPath
 * what they are not sure about. Generated Bundles (pinned fast-check seed): every Bundle.type,
 * entries with and without request, response, fullUrl and versions, repeated fullUrls, and
 * damaged entries (null, a string, primitive extensions, numbers where strings go).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4/index.js';
import { compileConstraints, QUICK_CHECKS } from '../../src/validation/invariants.js';
import { validateResource } from '../../src/validation/index.js';

const TYPES = ['document', 'message', 'transaction', 'transaction-response', 'batch', 'batch-response', 'history', 'searchset', 'collection'];

const entry = fc.oneof(
  { weight: 12, arbitrary: fc.record({
    fullUrl: fc.constantFrom('urn:uuid:a', 'urn:uuid:b', 'urn:uuid:c', 'Patient/p1', 'urn:uuid:a1'),
    resource: fc.record({ resourceType: fc.constant('Basic'), meta: fc.record({ versionId: fc.constantFrom('1', '2') }, { requiredKeys: [] }) }, { requiredKeys: ['resourceType'] }),
    request: fc.record({ method: fc.constantFrom('PUT', 'POST'), url: fc.constant('Basic') }),
    response: fc.record({ status: fc.constant('200 OK') }),
  }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 'x', 7, { fullUrl: 5 }, { _fullUrl: { extension: [] } }, { request: 'GET' }, { fullUrl: 'urn:uuid:a', resource: { resourceType: 'Basic', meta: { versionId: 3 } } }) },
);

describe('validation: native Bundle invariants agree with fhirpath.js', () => {
  it('bdl-3, bdl-4 and bdl-7 on generated Bundles', () => {
    let decided = 0;
    fc.assert(
      fc.property(fc.constantFrom(...TYPES, undefined), fc.option(fc.array(entry, { maxLength: 12 }), { nil: undefined }), (type, entries) => {
        const bundle: Record<string, unknown> = { resourceType: 'Bundle', ...(type ? { type } : {}), ...(entries ? { entry: entries } : {}) };
        for (const [key, q] of Object.entries(QUICK_CHECKS)) {
          const quick = q.check(bundle);
          if (quick === undefined) continue;
          decided++;
          let reference: unknown;
          try {
            reference = fhirpath.evaluate(bundle, { base: 'Bundle', expression: q.expression }, { resource: bundle, rootResource: bundle } as never, r4model as never);
          } catch (e) {
            reference = `threw ${(e as Error).message}`;
          }
          expect({ key, bundle, result: [quick] }).to.deep.equal({ key, bundle, result: reference });
        }
      }),
      { numRuns: 400 },
    );
    expect(decided).to.be.greaterThan(500);
  });

  it('fd-obs-1, fd-obs-2, obs-7 and fd-dr-1 (read by their shape) on generated Observations and DiagnosticReports', () => {
    const rules: [string, string][] = [
      ['Observation', "category.coding.where(system = 'http://terminology.hl7.org/CodeSystem/observation-category' and code = 'laboratory').exists()"],
      ['Observation', "(status = 'final' or status = 'amended' or status = 'corrected') implies (value.exists() or dataAbsentReason.exists() or component.exists() or hasMember.exists())"],
      ['Observation', 'value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()'],
      ['DiagnosticReport', "category.coding.where(system = 'http://terminology.hl7.org/CodeSystem/v2-0074' and code = 'LAB').exists()"],
    ];
    const compiled = rules.map(([base, expression]) => ({ base, expression, quick: compileConstraints(base, [{ key: 'x-1', severity: 'error', human: 'x', expression }])[0]!.quick }));
    for (const c of compiled) expect(c.quick, c.expression).to.be.a('function');
    const coding = fc.oneof(
      { weight: 8, arbitrary: fc.record({ system: fc.constantFrom('http://terminology.hl7.org/CodeSystem/observation-category', 'http://terminology.hl7.org/CodeSystem/v2-0074', 'urn:x'), code: fc.constantFrom('laboratory', 'LAB', 'vital-signs') }, { requiredKeys: [] }) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 'x', { system: 5, code: 'LAB' }, { code: 'laboratory', _code: { extension: [] } }) },
    );
    const concept = fc.oneof({ weight: 8, arbitrary: fc.record({ coding: fc.array(coding, { maxLength: 3 }), text: fc.constant('t') }, { requiredKeys: [] }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 'lab', { _coding: {} }) });
    const value = fc.constantFrom<Record<string, unknown>>({}, { valueQuantity: { value: 1, unit: 'mg' } }, { valueString: 'x' }, { valueString: 3 }, { _valueString: { extension: [] } }, { valueCodeableConcept: { text: 'pos' } });
    const resource = fc.record({
      status: fc.constantFrom<unknown>('final', 'amended', 'corrected', 'preliminary', 'registered', undefined, 7),
      category: fc.option(fc.oneof(fc.array(concept, { maxLength: 3 }), concept), { nil: undefined }),
      dataAbsentReason: fc.constantFrom(undefined, undefined, undefined, { text: 'n/a' }),
      component: fc.constantFrom(undefined, undefined, undefined, [{ code: { coding: [{ system: 'http://loinc.org', code: '1-8' }] }, valueString: 'x' }]),
      hasMember: fc.constantFrom(undefined, undefined, undefined, [{ reference: 'Observation/o2' }]),
      code: fc.constant({ coding: [{ system: 'http://loinc.org', code: '1-8' }] }),
    }, { requiredKeys: [] });
    let decided = 0;
    fc.assert(
      fc.property(resource, value, (r, v) => {
        for (const c of compiled) {
          const res: Record<string, unknown> = { resourceType: c.base, ...Object.fromEntries(Object.entries(r).filter(([, x]) => x !== undefined)), ...(c.base === 'Observation' ? v : {}) };
          const quick = c.quick!(res);
          if (quick === undefined) continue;
          decided++;
          let reference: unknown;
          try {
            reference = fhirpath.evaluate(res, { base: c.base, expression: c.expression }, { resource: res, rootResource: res } as never, r4model as never);
          } catch (e) {
            reference = `threw ${(e as Error).message}`;
          }
          expect({ expression: c.expression, res, result: [quick] }).to.deep.equal({ expression: c.expression, res, result: reference });
        }
      }),
      { numRuns: 500 },
    );
    expect(decided).to.be.greaterThan(1000);
  });

  it('a Bundle that breaks them is reported, one that keeps them is not', () => {
    const e = (fullUrl: string, withRequest: boolean) => ({ fullUrl, resource: { resourceType: 'Basic', id: fullUrl.slice(-1), code: { text: 'x' } }, ...(withRequest ? { request: { method: 'PUT', url: `Basic/${fullUrl.slice(-1)}` } } : {}) });
    const keys = (b: unknown) => validateResource(b, { otherwise: 'base' }).map((i) => /^(bdl-\d+):/.exec(i.diagnostics ?? '')?.[1]).filter((k): k is string => !!k);
    expect(keys({ resourceType: 'Bundle', type: 'transaction', entry: [e('urn:uuid:1', true), e('urn:uuid:2', true)] })).to.deep.equal([]);
    expect(keys({ resourceType: 'Bundle', type: 'transaction', entry: [e('urn:uuid:1', true), e('urn:uuid:2', false)] })).to.include('bdl-3');
    expect(keys({ resourceType: 'Bundle', type: 'collection', entry: [e('urn:uuid:1', false), e('urn:uuid:1', false)] })).to.include('bdl-7');
  });
});
