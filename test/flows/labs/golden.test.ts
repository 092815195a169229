import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { converters, flowFor } from '../../../src/flows/registry.js';
import { detectInput } from '../../../src/domain/input.js';
import { emptyLookup, officeOf } from '../../../src/flows/types.js';
import { validateOfficeRecord } from '../../../src/validation/index.js';
import type { FhirResource } from 'fhir/r4.js';
import { LABS, convert, errors, example, reports } from '../../support/labs.js';

const OFFICE = resolve('examples/office');
const GOLDEN: Record<string, [string, number]> = {
  'results-inbox-cbc-critical.json': ['oru-r01-cbc-final.hl7', 0],
  'results-inbox-cbc-corrected.json': ['oru-r01-cbc-corrected.hl7', 0],
  'results-inbox-chemistry-preliminary.json': ['oru-r01-v23-chemistry.hl7', 1],
};

describe('labs: golden inbox records and invariants over every example', () => {
  for (const [file, [hl7, index]] of Object.entries(GOLDEN)) {
    it(`${file} is what ${hl7} converts to, and matches its schema`, () => {
      const golden = JSON.parse(readFileSync(resolve(OFFICE, file), 'utf8')) as Record<string, unknown>;
      expect(convert(example(hl7)).office[index]).to.deep.equal(golden);
      expect(errors(validateOfficeRecord(golden))).to.deep.equal([]);
    });
  }

  it('the schema rejects a record without its required fields or with an unknown flag', () => {
    const golden = JSON.parse(readFileSync(resolve(OFFICE, 'results-inbox-cbc-critical.json'), 'utf8')) as Record<string, unknown>;
    const { reportStatus: _drop, ...missing } = golden;
    expect(errors(validateOfficeRecord(missing)).length).to.be.greaterThan(0);
    expect(errors(validateOfficeRecord({ ...golden, abnormalFlag: 'very' })).length).to.be.greaterThan(0);
  });

  for (const f of readdirSync(LABS).filter((x) => x.endsWith('.hl7'))) {
    it(`${f}: ids unique, every reference resolves inside the Bundle or to a PUT id, no errors`, () => {
      const out = convert(example(f));
      const entries = out.bundle.entry!;
      const fullUrls = new Set(entries.map((e) => e.fullUrl));
      const ids = new Set(entries.map((e) => `${e.resource!.resourceType}/${e.resource!.id}`));
      expect(ids.size).to.equal(entries.length);
      expect(fullUrls.size).to.equal(entries.length);
      const refs: string[] = [];
      JSON.stringify(out.bundle, (k, v) => { if (k === 'reference' && typeof v === 'string') refs.push(v); return v; });
      for (const r of refs) expect(fullUrls.has(r) || ids.has(r), r).to.equal(true);
      expect(errors(out.issues)).to.deep.equal([]);
    });
  }

  it('registers the ORU^R01 flow and a converter that accepts ORU (and lab FHIR), not ADT, and writes ORU back', () => {
    expect(flowFor('ORU^R01')?.name).to.equal('oru-lab-results');
    const oru = detectInput(example('oru-r01-cbc-final.hl7')).value!;
    const conv = converters.find((c) => c.accepts(oru))!;
    expect(conv.name).to.equal('labs');
    const adt = detectInput('MSH|^~\\&|A|B|C|D|20240101||ADT^A04|1|P|2.5.1\rPID|1||X1\r').value!;
    expect(conv.accepts(adt)).to.equal(false);
    // ORU -> hl7v2 is written back through FHIR (src/flows/labs/write.ts; test/flows/labs/oru-roundtrip.test.ts).
    const back = conv.convert(oru, 'hl7v2', { timezone: 'UTC', lookup: emptyLookup });
    expect(errors(back.issues)).to.deep.equal([]);
    expect(back.value?.to).to.equal('hl7v2');
    const office = conv.convert(detectInput(example('oru-r01-v23-chemistry.hl7')).value!, 'office', { timezone: 'America/Chicago', lookup: emptyLookup });
    expect(officeOf(office.value)).to.have.length(2);
  });

  it('lab FHIR lands in the same inbox: the converted Bundle gives back the same records, the ordering provider (ORC-12/OBR-16) through basedOn -> ServiceRequest.requester', () => {
    for (const f of ['oru-r01-cbc-final.hl7', 'oru-r01-v23-chemistry.hl7']) {
      const out = convert(example(f));
      const conv = converters.find((c) => c.accepts({ kind: 'fhir', resource: out.bundle }))!;
      expect(conv.name).to.equal('labs');
      const r = conv.convert({ kind: 'fhir', resource: out.bundle }, 'office', { timezone: 'UTC', lookup: emptyLookup });
      expect(errors(r.issues)).to.deep.equal([]);
      expect(officeOf(r.value)).to.deep.equal(out.office);
    }
  });

  it('a lone DiagnosticReport finds its Observations and Patient in the store', () => {
    const out = convert(example('oru-r01-cbc-final.hl7'));
    const stored = new Map(out.bundle.entry!.map((e) => [`${e.resource!.resourceType}/${e.resource!.id}`, e.resource as FhirResource]));
    const dr = reports(out.bundle)[0]!;
    const lone: FhirResource = { ...dr, subject: { reference: `Patient/${out.bundle.entry![0]!.resource!.id}` } };
    const conv = converters.find((c) => c.accepts({ kind: 'fhir', resource: lone }))!;
    const r = conv.convert({ kind: 'fhir', resource: lone }, 'office', { timezone: 'UTC', lookup: { get: (t, id) => stored.get(`${t}/${id}`) } });
    expect(officeOf(r.value)).to.have.length(1);
    expect(officeOf(r.value)?.[0]).to.deep.include({ abnormalFlag: 'critical', resultCount: 6, patientIdentifier: 'MRN4711' });
    const missing = conv.convert({ kind: 'fhir', resource: lone }, 'office', { timezone: 'UTC', lookup: emptyLookup });
    expect(missing.issues.filter((i) => i.severity === 'warning')).to.have.length(6);
    expect(officeOf(missing.value)?.[0]).to.deep.include({ resultCount: 0, abnormalFlag: 'none' });
  });
});
