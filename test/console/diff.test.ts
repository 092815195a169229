import { expect } from 'chai';
import { valueChanges } from '../../src/console/diff.js';
import { jsonDiff } from '../../src/runtime/json-diff.js';

describe('console: value-level diffs of a dry run', () => {
  const patient = (over: Record<string, unknown> = {}) => ({ resourceType: 'Patient', id: 'p1', gender: 'female', name: [{ family: 'Whitfield', given: ['Jan'] }], identifier: [{ system: 'urn:mrn', value: 'MRN300' }], ...over });

  it('lists each changed value as path: stored -> now, codes shown, PHI masked by its path', () => {
    const before = { bundle: { entry: [{ resource: patient() }] }, office: [{ sex: 'F', familyName: 'Whitfield' }] };
    const after = { bundle: { entry: [{ resource: patient({ gender: 'male', name: [{ family: 'Whitfeld', given: ['Jan'] }] }) }] }, office: [{ sex: 'M', familyName: 'Whitfeld' }] };
    expect(valueChanges(jsonDiff(before, after))).to.deep.equal([
      { path: 'bundle.entry[0].resource.gender', before: '"female"', after: '"male"' },
      { path: 'bundle.entry[0].resource.name[0].family', before: '"W********"', after: '"W*******"' },
      { path: 'office[0].familyName', before: '"W********"', after: '"W*******"' },
      { path: 'office[0].sex', before: '"F"', after: '"M"' },
    ]);
  });

  it('spreads an output that appears (no stored output: an error before) into its values', () => {
    const after = { bundle: { entry: [{ resource: patient() }] }, office: [] };
    const lines = valueChanges(jsonDiff(null, after));
    expect(lines).to.deep.include({ path: 'bundle.entry[0].resource.gender', after: '"female"' });
    expect(lines).to.deep.include({ path: 'bundle.entry[0].resource.name[0].given[0]', after: '"J**"' });
    expect(lines).to.deep.include({ path: 'bundle.entry[0].resource.identifier[0].system', after: '"urn:mrn"' }); // a kind inside a PHI object: shown
    expect(lines).to.deep.include({ path: 'bundle.entry[0].resource.identifier[0].value', after: '"M*****"' });
    expect(lines).to.deep.include({ path: 'bundle.entry[0].resource.id', after: '"p1"' });
    expect(lines).to.deep.include({ path: 'office', after: '[]' });
    expect(lines.every((l) => l.before === undefined)).to.equal(true);
  });

  it('spreads a subtree that disappears, and keeps a value that became a subtree on both sides', () => {
    const lines = valueChanges(jsonDiff({ a: { b: 1, c: 'x' }, d: 'flat' }, { d: { e: 'deep' } }));
    expect(lines).to.deep.equal([
      { path: 'a.b', before: '1', after: undefined },
      { path: 'a.c', before: '"x"', after: undefined },
      { path: 'd', before: '"flat"', after: undefined },
      { path: 'd.e', after: '"deep"' },
    ]);
  });
});
