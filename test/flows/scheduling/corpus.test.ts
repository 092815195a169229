import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseHl7 } from '../../../src/hl7/message.js';
import { convertSiu } from '../../../src/flows/scheduling/index.js';
import { validateAppointment } from '../../../src/flows/scheduling/validate.js';
import { ctx, errors } from '../../support/scheduling.js';
import { describeWithCorpus } from '../../support/shared-corpus.js';

const FIELD = /^([A-Z][A-Z0-9]{2}(\[\d+\])?(\.\d+)*|Appointment(\.\w+(\[\d+\])?)*|Patient(\.\w+(\[\d+\])?)*)$/;

describeWithCorpus('hl7v2-ms-fhir-converter', 'scheduling: public SIU corpus (hl7v2-ms-fhir-converter)', (CORPUS) => {
  it('every SIU message converts to a valid Appointment or is rejected naming the field; prints the tally', function () {
    this.timeout(60_000);
    const files = readdirSync(CORPUS).filter((f) => /^SIU[-_].*\.hl7$/.test(f)).sort();
    expect(files.length, CORPUS).to.be.greaterThan(0);
    const tally: Record<string, string[]> = { converted: [], rejected: [] };
    for (const f of files) {
      const text = readFileSync(join(CORPUS, f), 'utf8');
      let r: ReturnType<typeof convertSiu>;
      try {
        const msg = parseHl7(text);
        expect(msg.value, f).to.not.equal(undefined);
        r = convertSiu(msg.value!, ctx());
      } catch (e) {
        throw new Error(`${f}: crashed: ${(e as Error).stack}`);
      }
      const errs = errors(r.issues);
      if (r.value) {
        expect(errs, f).to.deep.equal([]);
        expect(errors(validateAppointment(r.value.appointment)), f).to.deep.equal([]);
        expect(r.value.bundle.entry!.some((e) => e.resource!.resourceType === 'Appointment'), f).to.equal(true);
        tally.converted!.push(`${f} (${r.value.appointment.status})`);
      } else {
        expect(errs.length, f).to.be.greaterThan(0);
        for (const e of errs) {
          expect(e.expression?.length, `${f}: ${e.diagnostics}`).to.be.greaterThan(0);
          for (const where of e.expression!) expect(where, `${f}: ${e.diagnostics}`).to.match(FIELD);
        }
        tally.rejected!.push(`${f} (${errs.map((e) => `${e.details?.coding?.[0]?.code} at ${e.expression!.join(',')}`).join('; ')})`);
      }
    }
    // The tally, for the record (and the README).
    console.log(`      SIU corpus: ${files.length} messages, ${tally.converted!.length} converted to a valid Appointment, ${tally.rejected!.length} rejected naming the field`);
    for (const [k, v] of Object.entries(tally)) for (const x of v) console.log(`        ${k.padEnd(9)} ${x}`);
    expect(tally.converted!.length + tally.rejected!.length).to.equal(files.length);
    expect(tally.converted!.length).to.be.greaterThanOrEqual(15);
  });
});
