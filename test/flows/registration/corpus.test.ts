import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import { errorCodeOf, errorsOnly, formatIssue } from '../../../src/domain/issues.js';
import { parseHl7 } from '../../../src/hl7/message.js';
import { runAdt } from '../../../src/flows/registration/flow.js';
import { validateResource } from '../../../src/validation/index.js';
import { describeWithCorpus } from '../../support/shared-corpus.js';

describeWithCorpus('hl7v2-ms-fhir-converter', 'registration: public ADT corpus (hl7v2-ms-fhir-converter)', (CORPUS) => {
  it('every ADT message converts to a Patient (+ Coverage per IN1) that passes the profiles, or is rejected with issues naming the fields', function () {
    this.timeout(120_000);
    const files = readdirSync(CORPUS).filter((f) => /^(ADT-.*|ADT01-.*|ADT04-.*)\.hl7$/.test(f)).sort();
    expect(files.length).to.be.greaterThan(50);
    const tally = { converted: 0, rejected: 0, withCoverage: 0, merges: 0 };
    const rejections: string[] = [];
    for (const f of files) {
      const parsed = parseHl7(readFileSync(`${CORPUS}/${f}`, 'utf8'));
      if (!parsed.value) {
        expect(parsed.issues.length, f).to.be.greaterThan(0);
        tally.rejected++;
        continue;
      }
      const r = runAdt(parsed.value, { timezone: 'America/New_York' });
      if (r.value) {
        tally.converted++;
        const res = (r.value.bundle.entry ?? []).map((e) => e.resource!);
        const patients = res.filter((x) => x.resourceType === 'Patient');
        expect(patients.length, f).to.be.greaterThan(0);
        for (const x of res) {
          const profile = x.resourceType === 'Patient' ? 'fd-patient' : x.resourceType === 'Coverage' ? 'fd-coverage' : undefined;
          expect(errorsOnly(validateResource(x, profile ? { profile } : {})).map(formatIssue), `${f} ${x.resourceType}`).to.deep.equal([]);
        }
        const in1 = parsed.value.all('IN1').length;
        const covs = res.filter((x) => x.resourceType === 'Coverage').length;
        if (parsed.value.triggerEvent === 'A40') tally.merges++;
        else {
          // One Coverage per IN1, except an insurance left out with a warning naming its IN1 field (tolerance policy).
          const skipped = new Set(r.issues.filter((i) => errorCodeOf(i) === 'MAP_SKIPPED' && /^IN1/.test(i.expression?.[0] ?? '')).map((i) => i.expression![0]!.split('.')[0])).size;
          expect(covs + skipped, `${f}: one Coverage per IN1`).to.equal(in1);
        }
        if (covs) tally.withCoverage++;
      } else {
        tally.rejected++;
        const errors = errorsOnly(r.issues);
        expect(errors.length, `${f} rejected without an error`).to.be.greaterThan(0);
        for (const i of errors) expect(i.expression?.[0], `${f}: ${i.diagnostics}`).to.be.a('string').and.not.equal('');
        rejections.push(`${f}: ${errors.map((i) => i.expression?.[0]).join(', ')}`);
      }
    }
    // The tally is the point of this test: print it.
    console.log(`      corpus tally: ${files.length} ADT messages, ${tally.converted} converted (${tally.withCoverage} with Coverage, ${tally.merges} merges), ${tally.rejected} rejected`);
    for (const line of rejections) console.log(`        rejected ${line}`);
    expect(tally.converted + tally.rejected).to.equal(files.length);
  });
});
