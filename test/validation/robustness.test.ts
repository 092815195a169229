/** Bad data never makes the validator throw or fall into its INTERNAL safety net. */
import { expect } from 'chai';
import fc from 'fast-check';
import { errorCodeOf } from '../../src/domain/issues.js';
import { validateResource } from '../../src/validation/index.js';
import { example } from './helpers.js';

const FILES = ['patient.json', 'coverage.json', 'appointment.json', 'claim.json', 'observation.json', 'diagnosticreport.json', 'claim-bundle.json'];

/** Every path (list of keys) to a value inside a JSON document. */
function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const p = [...prefix, Array.isArray(v) ? Number(k) : k];
      out.push(p);
      paths(x, p, out);
    }
  }
  return out;
}

function setAt(doc: any, path: (string | number)[], value: unknown): void {
  let cur = doc;
  for (const k of path.slice(0, -1)) cur = cur[k];
  cur[path[path.length - 1]!] = value;
}

describe('validation: robustness', () => {
  it('any JSON value at any place of any example gives issues, never an exception', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FILES), fc.nat(), fc.jsonValue({ maxDepth: 3 }), (file, n, value) => {
        const doc = example(file);
        const all = paths(doc).filter((p) => p[p.length - 1] !== 'resourceType');
        setAt(doc, all[n % all.length]!, value);
        const issues = validateResource(doc);
        expect(issues.filter((i) => errorCodeOf(i) === 'INTERNAL')).to.deep.equal([]);
      }),
      { numRuns: 400 },
    );
  });

  it('top-level garbage is an issue, not a crash', () => {
    for (const v of [null, 42, 'Patient', [], [{ resourceType: 'Patient' }], { resourceType: 7 }, { resourceType: 'Bundle', entry: 'x' }, { resourceType: 'Bundle', type: 'collection', entry: [null, 1, { resource: 'x' }] }]) {
      const issues = validateResource(v);
      expect(issues.length, JSON.stringify(v)).to.be.greaterThan(0);
      expect(issues.filter((i) => errorCodeOf(i) === 'INTERNAL')).to.deep.equal([]);
    }
  });

  it('nesting thousands of levels deep (extensions, contained, Bundles in Bundles) is reported, not a stack overflow', () => {
    let ext: unknown = { url: 'http://example.org/x', valueString: 'a' };
    for (let i = 0; i < 20_000; i++) ext = { url: 'http://example.org/x', extension: [ext] };
    let contained: unknown = { resourceType: 'Patient' };
    for (let i = 0; i < 5_000; i++) contained = { resourceType: 'Patient', contained: [contained] };
    let bundle: unknown = { resourceType: 'Patient' };
    for (let i = 0; i < 5_000; i++) bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: bundle }] };
    for (const doc of [{ resourceType: 'Patient', extension: [ext] }, contained, bundle]) {
      const issues = validateResource(doc);
      expect(issues.filter((i) => errorCodeOf(i) === 'INTERNAL')).to.deep.equal([]);
      expect(issues.some((i) => errorCodeOf(i) === 'FHIR_STRUCTURE' && /levels deep/.test(i.diagnostics ?? ''))).to.equal(true);
    }
  });

  it('does not modify the resource it validates', () => {
    for (const f of FILES) {
      const doc = example(f);
      const before = JSON.stringify(doc);
      validateResource(doc);
      expect(JSON.stringify(doc)).to.equal(before);
    }
  });
});

describe('validation: primitive type names', () => {
  it('Object.prototype names are not primitive types', async () => {
    const { isPrimitiveType, primitiveRule } = await import('../../src/validation/primitives.js');
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(isPrimitiveType(name), name).to.equal(false);
      expect(primitiveRule(name), name).to.equal(undefined);
    }
    expect(isPrimitiveType('date')).to.equal(true);
  });
});
