import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { ERROR_CODES } from '../../src/domain/errors.js';
import { issue, httpStatusOf, errorCodeOf, toOperationOutcome, hasErrors } from '../../src/domain/issues.js';

describe('domain: error-code catalogue and issues', () => {
  it('README lists every catalogue code with the same HTTP and HL7 codes, and no other', () => {
    const readme = readFileSync('README.md', 'utf8');
    const rows = [...readme.matchAll(/^\| `([A-Z0-9_]+)` \| ([a-z-]+) \| (\d+) \| (\d+) \|/gm)];
    const inReadme = new Map(rows.map((m) => [m[1]!, { fhirType: m[2], http: Number(m[3]), hl7: m[4] }]));
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(inReadme.get(code), `README row for ${code} (run npm run docs:errors)`).to.deep.equal({ fhirType: spec.fhirType, http: spec.http, hl7: spec.hl7 });
    }
    expect([...inReadme.keys()].filter((c) => !(c in ERROR_CODES))).to.deep.equal([]);
  });

  it('every HL7 code is from table 0357 and every HTTP status is an error status or 200 for notes', () => {
    const t0357 = new Set(['0', '100', '101', '102', '103', '200', '201', '202', '203', '204', '205', '206', '207']);
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(t0357.has(spec.hl7), code).to.equal(true);
      expect(spec.http === 200 || spec.http >= 400, code).to.equal(true);
    }
  });

  it('issues carry their code, and the worst error decides the HTTP status', () => {
    const a = issue('FHIR_REQUIRED', 'missing', 'Patient.name');
    const b = issue('MEDIA_TYPE', 'wrong type');
    expect(errorCodeOf(a)).to.equal('FHIR_REQUIRED');
    expect(a.expression).to.deep.equal(['Patient.name']);
    expect(httpStatusOf([a])).to.equal(422);
    expect(httpStatusOf([a, b])).to.equal(422);
    expect(httpStatusOf([b])).to.equal(415);
    expect(httpStatusOf([issue('MAP_INFO', 'note')])).to.equal(200);
    expect(hasErrors([issue('MAP_INFO', 'note')])).to.equal(false);
    expect(toOperationOutcome([]).issue[0]!.severity).to.equal('information');
  });
});
