/**
 * The fast FHIRPath evaluator must agree with fhirpath.js (the reference) on every invariant it
 * evaluates: cross-check mode runs both on every evaluation and records disagreements.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4/index.js';
import { compileInvariant, fastPathStats, setCrossCheck } from '../../src/validation/fastpath/index.js';
import { compileConstraints } from '../../src/validation/invariants.js';
import { validateResource } from '../../src/validation/index.js';
import { example } from './helpers.js';

const EXAMPLES = readdirSync('examples/fhir').filter((f) => f.endsWith('.json'));

describe('validation: fast FHIRPath evaluator agrees with fhirpath.js', () => {
  afterEach(() => setCrossCheck(false));

  it('on every example and every manifest case', () => {
    const mismatches = setCrossCheck(true)!;
    for (const f of EXAMPLES) validateResource(example(f));
    const manifest = JSON.parse(readFileSync(resolve('test/fixtures/validation/manifest.json'), 'utf8')) as { cases: { input?: string; resource?: unknown; profile?: string }[] };
    for (const c of manifest.cases) {
      validateResource(c.input ? JSON.parse(readFileSync(resolve(c.input), 'utf8')) : c.resource, c.profile ? { profile: c.profile } : {});
    }
    expect(mismatches).to.deep.equal([]);
    expect(fastPathStats.compiled).to.be.greaterThan(50);
  });

  it('on randomly damaged examples (values replaced, elements deleted)', () => {
    const mismatches = setCrossCheck(true)!;
    const leafPaths = (v: unknown, p: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] => {
      if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) {
        const q = [...p, Array.isArray(v) ? Number(k) : k];
        if (k !== 'resourceType') out.push(q);
        leafPaths(x, q, out);
      }
      return out;
    };
    const values = fc.oneof(fc.constantFrom(undefined, '', 'final', 'cancelled', '2024-03-05', '2024-03-05T10:00:00Z', '2024', 0, 1, -1, true, false, null, [], {}), fc.jsonValue({ maxDepth: 2 }));
    fc.assert(
      fc.property(fc.constantFrom(...EXAMPLES), fc.array(fc.tuple(fc.nat(), values), { minLength: 1, maxLength: 3 }), (file, edits) => {
        const doc = example(file);
        for (const [n, value] of edits) {
          const all = leafPaths(doc);
          if (all.length === 0) break;
          const path = all[n % all.length]!;
          let cur: any = doc;
          for (const k of path.slice(0, -1)) cur = cur[k];
          if (value === undefined) delete cur[path[path.length - 1]!];
          else cur[path[path.length - 1]!] = value;
        }
        const before = mismatches.length;
        const issues = validateResource(doc);
        // fhirpath.js evaluates both sides of `or`/`and` and throws on malformed data that the
        // fast evaluator short-circuits past; that is only acceptable on data already in error.
        const inError = issues.some((i) => i.severity === 'error' && !/^[a-z0-9-]+: /.test(i.diagnostics ?? ''));
        for (let i = mismatches.length - 1; i >= before; i--) {
          if (inError && String(mismatches[i]!.reference).startsWith('threw')) mismatches.splice(i, 1);
        }
      }),
      { numRuns: 300 },
    );
    expect(mismatches).to.deep.equal([]);
  });

  it('malformed dates: where fhirpath.js throws, the fast evaluator throws too (without running it)', () => {
    const mismatches = setCrossCheck(true)!;
    for (const start of ['2024-13-45', '2024-03-05T10:00:00', '2024-03-05T25:00:00Z', 'yesterday', '2024-3-5']) {
      const cov = example('coverage.json');
      cov.period = { start, end: '2024-12-31' };
      validateResource(cov); // per-1 compares start and end
      const appt = example('appointment.json');
      appt.start = start; // fd-app-1 compares start and end
      validateResource(appt);
    }
    expect(mismatches).to.deep.equal([]);
  });

  it('native ref-1 agrees with fhirpath.js on the R5 expression', () => {
    const r4 = "reference.startsWith('#').not() or (reference.substring(1).trace('url') in %rootResource.contained.id.trace('ids'))";
    const r5 = `reference.exists() implies (${r4} or (reference='#' and %rootResource!=%resource))`;
    const [c] = compileConstraints('Reference', [{ key: 'ref-1', severity: 'error', human: 'ref-1', expression: r4, source: 'http://hl7.org/fhir/StructureDefinition/Reference' }]);
    expect(c!.check, 'ref-1 is native').to.be.a('function');
    const container = { resourceType: 'Claim', contained: [{ resourceType: 'Organization', id: 'o1' }, { resourceType: 'Patient', id: 'p1' }] };
    const inner = container.contained[0]!;
    const refs = [{ reference: '#o1' }, { reference: '#p1' }, { reference: '#x' }, { reference: '#' }, { reference: 'Patient/1' }, { identifier: { value: '1' } }, { reference: 'urn:uuid:1' }];
    for (const ref of refs) {
      for (const resource of [container, inner]) {
        const env = { resource, rootResource: container };
        const reference = fhirpath.evaluate(ref, { base: 'Reference', expression: r5 }, env as never, r4model as never, { traceFn: () => {} }) as unknown[];
        expect(c!.check!(ref, env), JSON.stringify({ ref, inner: resource === inner })).to.equal(reference.length === 1 && reference[0] === true);
      }
    }
  });

  it('three-valued logic, dates, membership and types, expression by expression', () => {
    const mismatches = setCrossCheck(true)!;
    const appt = { resourceType: 'Appointment', status: 'booked', start: '2024-03-05T09:30:00-05:00', end: '2024-03-05T14:45:00Z', participant: [{ status: 'accepted' }, { status: 'declined', type: [{ text: 'x' }] }] };
    const cases: [string, unknown[]][] = [
      ['start <= end', [true]],
      ['start > end', [false]],
      ['end.exists() implies start.exists()', [true]],
      ['minutesDuration.exists() implies false', [true]],
      ['(minutesDuration > 5) or true', [true]],
      ['(minutesDuration > 5) and true', []],
      ['(minutesDuration > 5) and false', [false]],
      ['(minutesDuration > 5) xor true', []],
      ["status in ('proposed' | 'booked')", [true]],
      ["participant.status contains 'declined'", [true]],
      ["participant.where(type.exists()).status = 'declined'", [true]],
      ['participant.status.isDistinct()', [true]],
      ["participant.all(status.startsWith('acc'))", [false]],
      ['participant.type.text.count() + participant.count()', [3]],
      ["iif(start > end, 'later', 'earlier')", ['earlier']],
      ["status.matches('^b[a-z]+$')", [true]],
      ['status.substring(1, 2)', ['oo']],
      ['status.length()', [6]],
      ['participant.first().status', ['accepted']],
      ['participant.tail().status', ['declined']],
      ['participant.select(status)', ['accepted', 'declined']],
      ['$this is Appointment', [true]],
      ['participant.first().status.toInteger()', []],
      ["'42'.toInteger() + 1", [43]],
      ['{} = {}', []],
      ['start = @2024-03-05T09:30:00-05:00', [true]],
    ];
    for (const [expression, expected] of cases) {
      const got = compileInvariant('Appointment', expression)(appt, { resource: appt, rootResource: appt });
      expect({ expression, got }).to.deep.equal({ expression, got: expected });
    }
    expect(mismatches).to.deep.equal([]);
  });

  it('isDistinct over many strings (bdl-7 on a large Bundle) agrees with fhirpath.js, with and without a duplicate', () => {
    const mismatches = setCrossCheck(true)!;
    const bundle = (urls: string[], versions: (string | undefined)[] = []) => ({
      resourceType: 'Bundle', type: 'transaction',
      entry: urls.map((fullUrl, i) => ({ fullUrl, resource: { resourceType: 'Basic', id: `b${i}`, ...(versions[i] ? { meta: { versionId: versions[i] } } : {}) }, request: { method: 'PUT', url: `Basic/b${i}` } })),
    });
    const bdl7 = "(type = 'history') or entry.where(fullUrl.exists()).select(fullUrl&resource.meta.versionId).isDistinct()";
    const urls = Array.from({ length: 40 }, (_, i) => `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const cases: [ReturnType<typeof bundle>, boolean][] = [
      [bundle(urls), true],
      [bundle([...urls, urls[17]!]), false],
      // The same fullUrl with different versions is distinct (fullUrl & versionId).
      [bundle([...urls, urls[3]!], Object.assign([], { 3: '1', 40: '2' })), true],
      [bundle([...urls, urls[3]!], Object.assign([], { 3: '2', 40: '2' })), false],
    ];
    const f = compileInvariant('Bundle', bdl7);
    for (const [b, want] of cases) expect(f(b, { resource: b, rootResource: b })).to.deep.equal([want]);
    expect(mismatches).to.deep.equal([]);
  });
});
