import { expect } from 'chai';
import fc from 'fast-check';
import { registrationFromFhir, registrationToFhir } from '../../../src/adapters/registration.js';
import { errorsOnly, formatIssue } from '../../../src/domain/issues.js';
import { parseHl7 } from '../../../src/hl7/message.js';
import { runAdt } from '../../../src/flows/registration/flow.js';
import { buildAdt } from '../../../src/flows/registration/write.js';
import { validateOfficeRecord } from '../../../src/validation/index.js';
import { registrationRecord } from '../../support/registration-arbitraries.js';

const RUNS = 1000;
const errs = (issues: Parameters<typeof errorsOnly>[0]) => errorsOnly(issues).map(formatIssue);

describe('registration round trips over generated records (fast-check)', function () {
  this.timeout(300_000);

  it('generates records that satisfy the office schema', () => {
    fc.assert(fc.property(registrationRecord, (r) => {
      expect(validateOfficeRecord(r).map(formatIssue)).to.deep.equal([]);
    }), { numRuns: 200 });
  });

  it(`office -> FHIR -> office is the identity (${RUNS} cases)`, () => {
    fc.assert(fc.property(registrationRecord, (r) => {
      const fhir = registrationToFhir(r);
      expect(errs(fhir.issues), 'toFhir').to.deep.equal([]);
      const back = registrationFromFhir(fhir.value!);
      expect(errs(back.issues), 'fromFhir').to.deep.equal([]);
      expect(back.value).to.deep.equal(r);
    }), { numRuns: RUNS });
  });

  it(`office -> ADT -> office is the identity (${RUNS} cases, through FHIR both ways)`, () => {
    fc.assert(fc.property(registrationRecord, fc.constantFrom('A04', 'A08', 'A28', 'A31'), (r, event) => {
      const fhir = registrationToFhir(r);
      expect(errs(fhir.issues), 'toFhir').to.deep.equal([]);
      const msg = buildAdt(fhir.value!, { timezone: 'America/New_York', event });
      const text = msg.value!.toString();
      const parsed = parseHl7(text);
      expect(parsed.value!.triggerEvent).to.equal(event);
      const run = runAdt(parsed.value!, { timezone: 'America/New_York' });
      expect(errs(run.issues), 'ADT in').to.deep.equal([]);
      expect(run.value!.office[0]).to.deep.equal(r);
    }), { numRuns: RUNS });
  });
});
