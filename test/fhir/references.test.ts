import { expect } from 'chai';
import { rewriteReferences } from '../../src/fhir/references.js';

describe('fhir/references: rewriteReferences', () => {
  const map = new Map([['urn:uuid:1', 'Patient/p1']]);

  it('rewrites Bundle-internal references at any depth and leaves the input untouched', () => {
    const input = { subject: { reference: 'urn:uuid:1' }, result: [{ reference: 'urn:uuid:1' }, { reference: 'Observation/o' }] };
    const out = rewriteReferences(input, map);
    expect(out).to.deep.equal({ subject: { reference: 'Patient/p1' }, result: [{ reference: 'Patient/p1' }, { reference: 'Observation/o' }] });
    expect(input.subject.reference).to.equal('urn:uuid:1');
  });

  it('keeps a "__proto__" key as data instead of changing the copy\'s prototype', () => {
    const input = JSON.parse('{"a":{"__proto__":{"polluted":true},"reference":"urn:uuid:1"}}') as Record<string, unknown>;
    const out = rewriteReferences(input, map) as { a: Record<string, unknown> };
    expect(Object.getPrototypeOf(out.a)).to.equal(Object.prototype);
    expect((out.a as { polluted?: unknown }).polluted).to.equal(undefined);
    expect(Object.keys(out.a)).to.deep.equal(['__proto__', 'reference']);
    expect(out.a.reference).to.equal('Patient/p1');
  });
});
