/**
 * The generated checkers (src/validation/generated/) against the walker: validateResource with
 * them and without them must give the same issues (text, location, severity, order) on every
 * resource: the examples, the flows' outputs (the Bundles and resources the gateway validates),
 * the fhir-test-cases corpus when it is there, and many seeded single mutations of each (a
 * "proved clean" on a resource the walker reports would be a real bug). Also checks that the
 * fast path is taken on the clean outputs, so the comparison is not vacuous.
 */
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseHl7 } from '../../src/hl7/message.js';
import { flowFor } from '../../src/flows/registry.js';
import { emptyLookup } from '../../src/flows/types.js';
import { loadValidator, validateResource, type ValidateOptions } from '../../src/validation/index.js';
import { generatedWalkStats, setGeneratedWarmUp, useGeneratedWalk } from '../../src/validation/generated/index.js';
import { hasSharedCorpus, sharedCorpus } from '../support/shared-corpus.js';
import { prng } from '../../scripts/chaos.js';

type Json = Record<string, unknown>;

function both(resource: unknown, opts: ValidateOptions): { fast: string; walker: string; proved: number } {
  const before = generatedWalkStats.proved;
  const fast = JSON.stringify(validateResource(resource, opts));
  const proved = generatedWalkStats.proved - before;
  const was = useGeneratedWalk(false);
  try {
    return { fast, walker: JSON.stringify(validateResource(resource, opts)), proved };
  } finally {
    useGeneratedWalk(was);
  }
}

function hl7Files(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    if (f.isDirectory()) out.push(...hl7Files(join(dir, f.name)));
    else if (f.name.endsWith('.hl7')) out.push(join(dir, f.name));
  }
  return out;
}

/** The Bundles the flows make from every HL7v2 example, and each of their resources. */
function flowOutputs(): { name: string; resource: Json }[] {
  const out: { name: string; resource: Json }[] = [];
  for (const file of hl7Files(resolve('examples/hl7v2'))) {
    const m = parseHl7(readFileSync(file, 'utf8')).value;
    if (!m) continue;
    const flow = flowFor(m.messageType);
    if (!flow) continue;
    const r = flow.run(m, { timezone: 'America/Chicago', lookup: emptyLookup });
    const bundle = r.value?.bundle as Json | undefined;
    if (!bundle) continue;
    out.push({ name: file, resource: bundle });
    for (const [i, e] of ((bundle.entry as Json[] | undefined) ?? []).entries()) {
      if (e.resource) out.push({ name: `${file} entry ${i}`, resource: e.resource as Json });
    }
  }
  return out;
}

function fhirExamples(): { name: string; resource: Json }[] {
  const dirs = [resolve('examples/fhir'), resolve('examples/invalid/fhir')];
  return dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.json')).map((f) => ({ name: f, resource: JSON.parse(readFileSync(join(d, f), 'utf8')) as Json })));
}

/** The seeded generator of the crash harness (mulberry32): the same values on every run. */
const rng = prng;

/** Every (container, key) in the JSON tree, for picking a place to mutate. */
function places(v: unknown, out: [Json | unknown[], string | number][] = []): [Json | unknown[], string | number][] {
  if (Array.isArray(v)) v.forEach((x, i) => { out.push([v, i]); places(x, out); });
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { out.push([v as Json, k]); places(x, out); }
  return out;
}

const ODD_STRINGS = ['', ' ', 'x', 'a b', ' lead', 'trail ', '2023-02-30', '2024-01-01T10:00:00', '2024-13-01', 'urn:uuid:not-a-uuid', 'http://loinc.org', 'Patient/1', 'Organization/x', '#missing', 'final', 'unknown', 'male', '12', 'http://example.org/fhir/StructureDefinition/x', 'ValueSet/abc'];

/** One random change at one random place of a deep copy of `resource`. */
function mutate(resource: Json, r: () => number): Json {
  const copy = structuredClone(resource);
  const all = places(copy);
  if (all.length === 0) return copy;
  const [c, k] = all[Math.floor(r() * all.length)]!;
  const cur = (c as Record<string | number, unknown>)[k];
  const set = (v: unknown) => ((c as Record<string | number, unknown>)[k] = v);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  switch (Math.floor(r() * 16)) {
    case 0: if (Array.isArray(c)) c.splice(k as number, 1); else delete (c as Json)[k as string]; break;
    case 1: set(null); break;
    case 2: set(pick(ODD_STRINGS)); break;
    case 3: set(typeof cur === 'string' ? `${cur} ` : typeof cur === 'number' ? String(cur) : 1.5); break;
    case 4: set(Array.isArray(cur) ? cur[0] : [cur]); break;
    case 5: set(Array.isArray(cur) ? [] : {}); break;
    case 6: if (!Array.isArray(c)) (c as Json)[pick(['foo', 'valueString', 'valueQuantity', 'extension', 'modifierExtension', 'text', 'id', 'resourceType', 'contained'])] = pick([{ x: 1 }, 'v', [{ url: 'http://x' }], [], true]); else c.push(structuredClone(c[0])); break;
    case 7: if (!Array.isArray(c)) { (c as Json)[`_${String(k)}`] = pick([{ extension: [{ url: 'http://example.org/x', valueString: 'y' }] }, { id: 'a' }, [null], 3]); } break;
    case 8: if (typeof cur === 'string') set(cur.slice(0, Math.max(0, cur.length - 1 - Math.floor(r() * 3)))); else set(true); break;
    case 9: if (!Array.isArray(c)) { const v = (c as Json)[k as string]; delete (c as Json)[k as string]; (c as Json)[`${String(k)}${pick(['String', 'Boolean', 'Quantity', 'X', 's'])}`] = v; } break;
    case 10: set(structuredClone(pick(all)[0])); break;
    case 11: if (typeof cur === 'string') set(cur.toUpperCase()); else if (typeof cur === 'number') set(-cur - 1); else set(undefined); break;
    case 12: if (cur && typeof cur === 'object' && !Array.isArray(cur)) set({ id: 'only-id' }); else set({ value: 1 }); break;
    case 13: if (typeof cur === 'number') set(cur + 0.5); else set(2147483648); break;
    case 14: set(Array.isArray(cur) ? [...cur, ...cur] : { ...(cur as object), extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] }); break;
    default: if (typeof cur === 'string') set(`${cur}${pick(['-x', '|1', ' ', 'Z', '#'])}`); else set('text'); break;
  }
  return copy;
}

const OPTS: ValidateOptions[] = [{}, { otherwise: 'base' }];

describe('validation: the generated checkers give exactly the walker\'s issues', () => {
  let warmUp = 0;
  before(() => (warmUp = setGeneratedWarmUp(0)));
  after(() => setGeneratedWarmUp(warmUp));
  const outputs = flowOutputs();
  const examples = fhirExamples();

  it('on the flows\' outputs and the FHIR examples, and proves the clean flow outputs without the walker', () => {
    expect(outputs.length).to.be.greaterThan(20);
    let proved = 0;
    for (const { name, resource } of [...outputs, ...examples]) {
      for (const opts of OPTS) {
        const r = both(resource, opts);
        expect(r.fast, `${name} ${JSON.stringify(opts)}`).to.equal(r.walker);
        proved += r.proved;
      }
    }
    // Each flow output is proved clean at least once (a Bundle counts itself and its entries).
    expect(proved).to.be.greaterThan(outputs.length);
  });

  it('rolls back what a resource it could not prove added to the Bundle\'s once-only notes', () => {
    const oru = outputs.find((o) => o.name.endsWith('oru-r01.hl7'))!.resource;
    const bundle = structuredClone(oru) as { entry: { resource: Json }[] };
    const obs = bundle.entry.map((e) => e.resource).filter((r) => r.resourceType === 'Observation');
    const local = { system: 'https://lab.example.org/codes', code: 'HGB' };
    for (const o of [obs[1]!, obs[2]!]) (o.code as { coding: unknown[] }).coding.push(local);
    // The second Observation meets the lab's code system first, then goes wrong after it (a key at the end).
    delete obs[1]!.issued;
    obs[1]!.issued = 'not a date';
    const before = { ...generatedWalkStats };
    const r = both(bundle, {});
    expect(r.fast).to.equal(r.walker);
    const notes = (JSON.parse(r.fast) as { diagnostics: string; expression: string[] }[]).filter((i) => i.diagnostics.includes('lab.example.org'));
    expect(notes).to.have.length(1);
    expect(notes[0]!.expression[0]).to.equal(`Bundle.entry[${bundle.entry.findIndex((e) => e.resource === obs[1])}].resource.code.coding[1]`);
    // The bad entry went to the walker; then both() validates the Bundle and its entries with the walker alone.
    expect(generatedWalkStats.walked - before.walked).to.equal(1 + 1 + bundle.entry.length);
  });

  it('remembers only the strings a primitive accepted: a bad one after good ones of the same type is still the walker\'s issue', () => {
    const oru = outputs.find((o) => o.name.endsWith('oru-r01.hl7'))!.resource;
    const bundle = structuredClone(oru) as { entry: { resource: Json }[] };
    const obs = bundle.entry.map((e) => e.resource).filter((r) => r.resourceType === 'Observation');
    // Proved clean twice: every system URI and code of it is remembered as accepted.
    expect(both(bundle, {}).proved).to.be.greaterThan(0);
    const s0 = { ...generatedWalkStats };
    validateResource(bundle);
    expect(generatedWalkStats.proved - s0.proved).to.equal(1 + bundle.entry.length);
    // Then a system URI with a space and a code with a double space, on the same elements.
    const coding = (obs[3]!.code as { coding: Json[] }).coding[0]!;
    coding.system = 'http://loinc .org';
    (obs[4]!.status as unknown) = 'final  x';
    const r = both(bundle, {});
    expect(r.fast).to.equal(r.walker);
    const found = (JSON.parse(r.fast) as { diagnostics: string }[]).map((i) => i.diagnostics);
    expect(found.some((d) => d.includes('"http://loinc .org" is not a valid uri'))).to.equal(true);
    expect(found.some((d) => d.includes('"final  x" is not a valid code'))).to.equal(true);
  });

  it('builds a profile\'s checker only after its warm-up: the first resources of a profile go to the walker', () => {
    const patient = examples.find((e) => e.name === 'patient.json')!.resource;
    setGeneratedWarmUp(3);
    try {
      loadValidator(); // fresh compiled profiles, none used yet
      const s0 = { ...generatedWalkStats };
      const first = JSON.stringify(validateResource(patient));
      validateResource(patient);
      validateResource(patient);
      expect(generatedWalkStats.walked - s0.walked).to.equal(3);
      expect(generatedWalkStats.proved - s0.proved).to.equal(0);
      expect(JSON.stringify(validateResource(patient))).to.equal(first);
      expect(generatedWalkStats.proved - s0.proved).to.equal(1);
    } finally {
      setGeneratedWarmUp(0);
    }
  });

  it('on 6,000 seeded single mutations of them', function () {
    this.timeout(120_000);
    const r = rng(17);
    const pool = [...outputs.filter((o) => !/entry/.test(o.name)), ...outputs.filter((o) => /entry/.test(o.name)), ...examples];
    let differ = 0, provedMutants = 0;
    const first: string[] = [];
    for (let n = 0; n < 6000; n++) {
      const { name, resource } = pool[n % pool.length]!;
      const m = mutate(resource, r);
      const res = both(m, OPTS[n % 2]!);
      if (res.proved) provedMutants++;
      if (res.fast !== res.walker) {
        differ++;
        if (first.length < 3) first.push(`${name} #${n}: ${JSON.stringify(m).slice(0, 300)}\n fast   ${res.fast.slice(0, 600)}\n walker ${res.walker.slice(0, 600)}`);
      }
    }
    expect(differ, first.join('\n')).to.equal(0);
    // Many mutants are still valid (a changed display text, a dropped optional element): proved too.
    expect(provedMutants).to.be.greaterThan(100);
  });

  const corpus = hasSharedCorpus('fhir-test-cases') ? sharedCorpus('fhir-test-cases') : undefined;
  (corpus && existsSync(join(corpus, 'manifest.json')) ? it : it.skip)('on the fhir-test-cases corpus, and single mutations of it', function () {
    this.timeout(120_000);
    const manifest = JSON.parse(readFileSync(join(corpus!, 'manifest.json'), 'utf8')) as { cases: { name: string; file: string }[] };
    const r = rng(18);
    for (const c of manifest.cases) {
      const resource = JSON.parse(readFileSync(join(corpus!, c.file), 'utf8')) as Json;
      for (const opts of OPTS) {
        const a = both(resource, opts);
        expect(a.fast, c.name).to.equal(a.walker);
      }
      if (!resource || typeof resource !== 'object' || Array.isArray(resource)) continue;
      for (let i = 0; i < 10; i++) {
        const m = mutate(resource, r);
        const b = both(m, OPTS[i % 2]!);
        expect(b.fast, `${c.name} mutation ${i}: ${JSON.stringify(m).slice(0, 300)}`).to.equal(b.walker);
      }
    }
  });
});
