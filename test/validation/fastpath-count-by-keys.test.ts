/**
 * navCount (src/validation/fastpath/model.ts) counts a name with many children (a choice such as
 * Observation.value[x]) by walking the object's keys instead of looking up every variant and its
 * `_variant`. It must give the same count, and bail out (fhirpath.js decides) on the same data, as
 * the lookup per child it replaces, written out here as the reference. Generated objects (the
 * run's pinned fast-check seed): several variants at once, `_variant` extensions, nulls, arrays,
 * values of the wrong JSON kind, unrelated keys.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { BAIL } from '../../src/validation/fastpath/core.js';
import { childInfo, mk, navCount, PRIMITIVES, type Site } from '../../src/validation/fastpath/model.js';

const NUMBER_TYPES = new Set(['decimal', 'integer', 'positiveInt', 'unsignedInt']);

/** The lookup per child, as navCount read every name before (one object). */
function countByLookups(v: Record<string, unknown>, t: string, name: string): number | 'bail' {
  const info = childInfo(t, name)!;
  const kind = (e: unknown, ct: string): boolean => {
    if (ct === '#resource') return true;
    if (PRIMITIVES.has(ct)) return typeof e === (ct === 'boolean' ? 'boolean' : NUMBER_TYPES.has(ct) ? 'number' : 'string');
    return ct.startsWith('System.') || typeof e === 'object';
  };
  let n = 0;
  for (const c of info.children) {
    const x = v[c.key];
    if (v[c.ext] !== undefined) return 'bail';
    if (x === undefined || x === null) continue;
    for (const e of Array.isArray(x) ? x : [x]) {
      if (Array.isArray(x) && (e === null || e === undefined)) return 'bail';
      if (!kind(e, c.t)) return 'bail';
      n++;
    }
  }
  return n;
}

function count(v: Record<string, unknown>, t: string, name: string): number | 'bail' {
  const site: Site = { name, t: '', info: null };
  try {
    return navCount([mk(v, t)], site);
  } catch (e) {
    if (e === BAIL) return 'bail';
    throw e;
  }
}

const CASES: [string, string][] = [['Observation', 'value'], ['Observation', 'effective'], ['Extension', 'value'], ['Observation.component', 'value'], ['Patient', 'deceased']];

describe('validation: navCount by the object\'s keys agrees with a lookup per child', () => {
  for (const [t, name] of CASES) {
    it(`${t}.${name}`, () => {
      const info = childInfo(t, name)!;
      expect(info.children.length, 'a name with many children').to.be.greaterThan(1);
      const keys = [...info.children.flatMap((c) => [c.key, c.ext]), 'status', 'code', '_status', 'id'];
      const value = fc.oneof(
        fc.constantFrom<unknown>('x', '', 7, 1.5, true, null, { value: 1 }, { start: '2024' }, { coding: [] }, [], [null], ['a', 'b'], [{ value: 2 }], [1, null]),
        fc.dictionary(fc.constantFrom('value', 'unit', 'extension'), fc.constantFrom<unknown>(1, 'a', [])),
      );
      let decided = 0;
      fc.assert(fc.property(fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 5 }), (obj) => {
        const want = countByLookups(obj, t, name);
        if (want !== 'bail') decided++;
        expect(count(obj, t, name)).to.equal(want);
      }), { numRuns: 3000 });
      expect(decided).to.be.greaterThan(300);
    });
  }
});
