import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describeWithCorpus } from '../../support/shared-corpus.js';
import { errorCodeOf } from '../../../src/domain/issues.js';
import { flowFor } from '../../../src/flows/registry.js';
import { emptyLookup } from '../../../src/flows/types.js';
import { errors, observations, parse, reports } from '../../support/labs.js';

describeWithCorpus('hl7v2-ms-fhir-converter', 'labs: public ORU / LAB-ORU / LRI samples convert (tally)', (CORPUS) => {
  const SAMPLES = readdirSync(CORPUS).filter((f) => /^(ORU|LAB-ORU|LRI)/.test(f) && f.endsWith('.hl7')).sort();
  const rows: string[] = [];
  after(() => {
    // The tally: one line per sample, printed with the test run.
    console.log(`\n    ORU corpus tally (${SAMPLES.length} samples)\n    ${'sample'.padEnd(36)} ${'reports'.padStart(7)} ${'obs'.padStart(5)} ${'spec'.padStart(5)} ${'inbox'.padStart(5)} ${'errors'.padStart(6)}  error codes`);
    for (const r of rows) console.log(`    ${r}`);
  });

  it('finds the samples', () => {
    expect(SAMPLES).to.include.members(['ORU-R01-01.hl7', 'ORU-R01-RMGEAD.hl7', 'LAB-ORU-1.hl7', 'LAB-ORU-2.hl7', 'LRI_2.0-NG_CBC_Typ_Message.hl7']);
  });

  for (const f of SAMPLES) {
    it(`${f}: a Bundle with a DiagnosticReport per OBR and an Observation per result OBX, and an inbox record per report`, () => {
      const msg = parse(readFileSync(resolve(CORPUS, f), 'utf8'));
      const flow = flowFor(msg.messageType);
      expect(flow?.name).to.equal('oru-lab-results');
      const r = flow!.run(msg, { timezone: 'America/New_York', lookup: emptyLookup });
      const out = r.value!;
      const obr = msg.all('OBR').length;
      // Results inside an order that are not documents (ED/RP go to presentedForm).
      const inOrder = msg.segments.filter((s, i) => s.name === 'OBX' && msg.segments.slice(0, i).some((x) => x.name === 'OBR'));
      const valueObx = inOrder.filter((s) => !['ED', 'RP'].includes(s.get(2)));
      expect(reports(out.bundle)).to.have.length(obr);
      expect(observations(out.bundle)).to.have.length(valueObx.length);
      expect(out.office).to.have.length(obr);
      const errs = errors(r.issues);
      // Errors only where the sample itself is at fault, each at an HL7 location.
      for (const e of errs) expect(e.expression?.[0], e.diagnostics).to.match(/^(MSH|PID|OBR|OBX|SPM|ORC)(\[\d+\])?(\.\d+)*$/);
      rows.push(`${f.padEnd(36)} ${String(reports(out.bundle).length).padStart(7)} ${String(observations(out.bundle).length).padStart(5)} ${String(out.bundle.entry!.filter((e) => e.resource?.resourceType === 'Specimen').length).padStart(5)} ${String(out.office.length).padStart(5)} ${String(errs.length).padStart(6)}  ${[...new Set(errs.map((e) => `${errorCodeOf(e)}@${e.expression?.[0]}`))].join(' ')}`);
    });
  }
});
