import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import type { Claim } from 'fhir/r4.js';
import { parseHl7, type Hl7Message } from '../../../src/hl7/message.js';
import { dftToClaim } from '../../../src/flows/billing/flow.js';
import { flowFor, converters } from '../../../src/flows/registry.js';
import { emptyLookup } from '../../../src/flows/types.js';
import { detectInput } from '../../../src/domain/input.js';
import { errorCodeOf, hasErrors } from '../../../src/domain/issues.js';
import { validateOfficeRecord, validateResource } from '../../../src/validation/index.js';
import { normalizeEncounter } from '../../../src/billing/encounter.js';
import { claimBundleToEncounter } from '../../../src/adapters/claim-bundle.js';
import { TODAY, at, errorsOf, example } from '../../support/billing.js';
import { describeWithCorpus } from '../../support/shared-corpus.js';

const CTX = { timezone: 'America/New_York', today: TODAY };
const EXAMPLE = 'examples/hl7v2/billing/dft-p03-office-visit.hl7';

const text = () => readFileSync(EXAMPLE, 'utf8');
const msg = (t: string): Hl7Message => parseHl7(t).value!;
/** Replace field n of the k-th segment named seg (1-based) in an HL7 text. */
function setField(t: string, seg: string, k: number, n: number, value: string): string {
  let seen = 0;
  return t.split('\r').map((s) => {
    if (!s.startsWith(seg + '|') || ++seen !== k) return s;
    const f = s.split('|');
    while (f.length <= n) f.push('');
    f[n] = value;
    return f.join('|');
  }).join('\r');
}

describe('billing: DFT^P03 -> billing encounter -> claim Bundle', () => {
  it('maps the example DFT (EVN, PID, PV1, FT1, PR1, DG1, IN1) to the office visit superbill', () => {
    const r = dftToClaim(msg(text()), CTX);
    expect(errorsOf(r.issues)).to.deep.equal([]);
    const e = r.value!.encounter;
    const want = { ...example('billing-encounter-office-visit'), priorAuthorization: 'PA-55120' };
    // The DFT names the MRN's assigning authority; everything else is the office example.
    expect(normalizeEncounter(e)).to.deep.equal(normalizeEncounter(want));
    expect(errorsOf(validateOfficeRecord(e))).to.deep.equal([]);
  });

  it('emits a transaction Bundle (PUT to deterministic ids) that passes fd-claim-bundle and reads back', () => {
    const r = dftToClaim(msg(text()), CTX);
    const b = r.value!.bundle;
    expect(b.type).to.equal('transaction');
    expect(b.entry!.every((x) => x.request?.method === 'PUT')).to.equal(true);
    expect(at(errorsOf(validateResource(b)))).to.deep.equal([]);
    const claim = b.entry!.find((x) => x.resource?.resourceType === 'Claim')!.resource as Claim;
    expect(claim.patient.identifier?.system).to.equal('http://frontdesk.example.org/fhir/sid/mrn');
    expect(claimBundleToEncounter(b).value).to.deep.equal(normalizeEncounter(r.value!.encounter));
    // Same message, same Bundle.
    expect(dftToClaim(msg(text()), CTX).value!.bundle).to.deep.equal(b);
  });

  it('is the registered InboundHl7Flow for DFT^P03 and the billing Converter accepts it', () => {
    const flow = flowFor('DFT^P03');
    expect(flow?.name).to.equal('dft-billing');
    const out = flow!.run(msg(text()), { timezone: CTX.timezone, lookup: emptyLookup });
    expect(hasErrors(out.issues)).to.equal(false);
    expect(out.value!.office[0]!.recordType).to.equal('billing-encounter');
    const input = detectInput(text()).value!;
    const conv = converters.find((c) => c.accepts(input));
    expect(conv?.name).to.equal('billing');
  });

  describe('bad DFTs are rejected naming the field', () => {
    it('a negative charge in FT1-11', () => {
      const r = dftToClaim(msg(setField(text(), 'FT1', 2, 11, '-35.50&USD')), CTX);
      expect(r.value).to.equal(undefined);
      expect(at(errorsOf(r.issues))).to.include('CLAIM_EDIT@FT1[2].11');
    });

    it('a pointer to a diagnosis the message does not have cannot happen: FT1-19 codes join the list', () => {
      const r = dftToClaim(msg(setField(text(), 'FT1', 2, 19, 'R50.9^Fever^I10')), CTX);
      expect(errorsOf(r.issues)).to.deep.equal([]);
      expect(r.value!.encounter.diagnoses).to.deep.equal(['J06.9', 'R05.9', 'R50.9']);
      expect(r.value!.encounter.lines[1]!.pointers).to.deep.equal([3]);
    });

    it('a malformed NPI in FT1-20 and a non-ICD-10-CM diagnosis in DG1-3', () => {
      let t = setField(text(), 'FT1', 1, 20, '123456789^Example^Jordan^^^^^^^^^^NPI');
      t = setField(t, 'DG1', 2, 3, '49727002^Cough^SCT');
      const r = dftToClaim(msg(t), CTX);
      expect(r.value).to.equal(undefined);
      expect(at(errorsOf(r.issues))).to.include.members(['CLAIM_EDIT@FT1[1].20', 'CLAIM_EDIT@DG1[2].3']);
    });

    it('no IN1: no insurance', () => {
      const t = text().split('\r').filter((s) => !s.startsWith('IN1')).join('\r');
      const r = dftToClaim(msg(t), CTX);
      expect(r.value).to.equal(undefined);
      expect(at(errorsOf(r.issues))).to.include('CLAIM_EDIT@IN1');
    });

    it('an unknown transaction type in FT1-6 and a missing FT1-7', () => {
      let t = setField(text(), 'FT1', 1, 6, 'ZZ');
      t = setField(t, 'FT1', 2, 7, '');
      const r = dftToClaim(msg(t), CTX);
      expect(r.value).to.equal(undefined);
      expect(at(errorsOf(r.issues))).to.include.members(['MAP_UNKNOWN_CODE@FT1[1].6', 'MAP_MISSING@FT1[2].7']);
    });

    it('a payment line (FT1-6 PY) is not billed', () => {
      const t = text().replace(/\rPR1[^\r]*/, '') + '\rFT1|3|T-3||20260302|20260302|PY|PAY^Copay||||-20.00&USD';
      const r = dftToClaim(msg(t), CTX);
      expect(errorsOf(r.issues)).to.deep.equal([]);
      expect(r.value!.encounter.lines).to.have.length(2);
      expect(at(r.issues)).to.include('MAP_INFO@FT1[3].6');
    });

    it('empty FT1-19: the line points at the first (up to 4) DG1 diagnoses, with a note', () => {
      const r = dftToClaim(msg(setField(text(), 'FT1', 2, 19, '')), CTX);
      expect(errorsOf(r.issues)).to.deep.equal([]);
      expect(r.value!.encounter.lines[1]!.pointers).to.deep.equal([1, 2]);
      expect(at(r.issues)).to.include('MAP_INFO@FT1[2].19');
    });

    it('PV1-2 patient class gives the place of service (table patient-class-pos); an unknown class is named', () => {
      expect(dftToClaim(msg(setField(text(), 'PV1', 1, 2, 'E')), CTX).value!.encounter.placeOfService).to.equal('23');
      expect(dftToClaim(msg(setField(text(), 'PV1', 1, 2, 'P')), CTX).value!.encounter.placeOfService).to.equal('11');
      const r = dftToClaim(msg(setField(text(), 'PV1', 1, 2, 'Q')), CTX);
      expect(at(errorsOf(r.issues))).to.deep.equal(['MAP_UNKNOWN_CODE@PV1.2']);
    });

    it('a date of service after today in the practice timezone', () => {
      const r = dftToClaim(msg(setField(text(), 'FT1', 2, 4, '20260602')), CTX);
      expect(at(errorsOf(r.issues))).to.deep.equal(['CLAIM_EDIT@FT1[2].4']);
    });

    it('another DFT trigger is not this flow', () => {
      const r = dftToClaim(msg(text().replace('DFT^P03^DFT_P03', 'DFT^P11^DFT_P11')), CTX);
      expect(at(r.issues)).to.deep.equal(['HL7_MESSAGE_TYPE@MSH.9']);
    });
  });

});

describeWithCorpus('hl7v2-ms-fhir-converter', 'billing: public DFT corpus', (CORPUS) => {
  it('corpus: every DFT sample converts or is rejected naming the field (tally)', () => {
    const files = readdirSync(CORPUS).filter((f) => /^DFT-.*\.hl7$/.test(f)).sort();
    expect(files.length).to.be.greaterThan(0);
    const tally = { converted: 0, rejected: 0 };
    const lines: string[] = [];
    for (const f of files) {
      const parsed = parseHl7(readFileSync(path.join(CORPUS, f), 'utf8'));
      expect(parsed.value, f).to.not.equal(undefined);
      const r = dftToClaim(parsed.value!, CTX);
      const errors = errorsOf(r.issues);
      if (r.value) {
        tally.converted++;
        expect(errors, f).to.deep.equal([]);
        lines.push(`  ${f}: converted (${r.value.bundle.entry!.length} entries)`);
      } else {
        tally.rejected++;
        expect(errors.length, f).to.be.greaterThan(0);
        for (const i of errors) {
          expect(i.expression?.[0], `${f}: ${i.diagnostics}`).to.match(/^(MSH|EVN|PID|PV1|FT1|DG1|PR1|IN1)(\[\d+\])?(\.\d+)*$/);
          expect(errorCodeOf(i)).to.not.equal('INTERNAL');
        }
        lines.push(`  ${f}: rejected at ${[...new Set(errors.map((i) => i.expression![0]))].join(', ')}`);
      }
    }
    console.log(`    DFT corpus: ${files.length} files, ${tally.converted} converted, ${tally.rejected} rejected\n${lines.join('\n')}`);
  });
});

describe('billing: DFT^P03 robustness', () => {
  it('random field damage never throws; every error names an HL7 location (300 runs)', () => {
    const segs = ['EVN', 'PID', 'PV1', 'FT1', 'DG1', 'PR1', 'IN1'];
    const junk = fc.oneof(fc.constant(''), fc.constant('""'), fc.string({ maxLength: 12 }).map((s) => s.replace(/[|\r\n\\]/g, '')),
      fc.constantFrom('-1&USD', 'abc', '99999999', 'Z99.99999', '20261340', '^^^', '&&', 'ZZ', '1.2.3'));
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom(...segs), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 40 }), junk), { minLength: 1, maxLength: 6 }), (damage) => {
      let t = text();
      for (const [seg, k, n, v] of damage) t = setField(t, seg, k, n, v);
      const parsed = parseHl7(t);
      if (!parsed.value) return;
      const r = dftToClaim(parsed.value, CTX);
      for (const i of errorsOf(r.issues)) {
        expect(errorCodeOf(i), i.diagnostics).to.not.equal('INTERNAL');
        if (errorCodeOf(i) === 'OFFICE_SCHEMA' || errorCodeOf(i)?.startsWith('FHIR_')) continue;
        expect(i.expression?.[0], i.diagnostics).to.match(/^(MSH|EVN|PID|PV1|FT1|DG1|PR1|IN1)(\[\d+\])?(\.\d+)*$/);
      }
      if (r.value) expect(hasErrors(r.issues)).to.equal(false);
    }), { numRuns: 300 });
  });
});
