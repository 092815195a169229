/**
 * OBR-25 (table 0123) -> DiagnosticReport.status and ORC-5 (table 0038) -> ServiceRequest.status,
 * checked code by code against the HL7 v2-to-FHIR IG (STU1): ConceptMap
 * table-hl70123-queries-to-diagnostic-report-status and the IG's OrderStatus concept map. Codes the
 * IG leaves unmapped are Frontdesk's reading, named as such (mappings/tables/*.json descriptions).
 */
import { expect } from 'chai';
import type { ServiceRequest } from 'fhir/r4.js';
import { errorCodeOf } from '../../../src/domain/issues.js';
import { parseHl7 } from '../../../src/hl7/message.js';
import { convertOru } from '../../../src/flows/labs/index.js';
import { emptyLookup } from '../../../src/flows/types.js';
import { reports, resources } from '../../support/labs.js';

const MSH = 'MSH|^~\\&|ACMELAB|ACME Reference Lab|FRONTDESK|SFP|20240301163000-0500||ORU^R01|ST1|P|2.5.1';
const PID = 'PID|1||MRN4711^^^FRONTDESK^MR||Sample^Robin||19850412|F';
const OBX = 'OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|70-99|N|||F';
const obr = (status: string) => `OBR|1|ORD1^FDORDERS|LAB1^ACMELAB|2345-7^Glucose^LN|||20240301081500-0500|||||||||||||||20240301163000-0500|||${status}`;
const orc = (status: string) => `ORC|RE|ORD1^FDORDERS|LAB1^ACMELAB||${status}`;
const run = (...segs: string[]) => convertOru(parseHl7([MSH, PID, ...segs].join('\r')).value!, { timezone: 'America/Chicago', lookup: emptyLookup });

describe('labs: result and order status maps (v2-to-FHIR IG concept maps)', () => {
  // [OBR-25, DiagnosticReport.status, ServiceRequest.status without ORC-5]
  const IG_0123: Array<[string, string, string]> = [
    ['O', 'registered', 'active'], ['I', 'registered', 'active'], ['S', 'registered', 'active'],
    ['P', 'preliminary', 'active'], ['C', 'corrected', 'completed'], ['R', 'partial', 'active'],
    ['F', 'final', 'completed'], ['X', 'cancelled', 'revoked'],
  ];
  // Unmapped in the IG, read by Frontdesk as documented in mappings/tables/0123-result-status.json.
  const OURS_0123: Array<[string, string, string]> = [['A', 'partial', 'active'], ['M', 'corrected', 'active'], ['N', 'registered', 'active']];

  for (const [code, report, request] of [...IG_0123, ...OURS_0123]) {
    it(`OBR-25 ${code} -> DiagnosticReport.status ${report}, ServiceRequest.status ${request}`, () => {
      const r = run(obr(code), OBX);
      const errs = r.issues.filter((i) => i.severity === 'error');
      // A cancelled report carries no results: an OBX under it is still converted; no error either way.
      expect(errs, JSON.stringify(errs)).to.deep.equal([]);
      expect(reports(r.value!.bundle)[0]!.status).to.equal(report);
      expect(resources<ServiceRequest>(r.value!.bundle, 'ServiceRequest')[0]!.status).to.equal(request);
    });
  }

  for (const [code, meaning] of [['Y', 'no order on record for this test'], ['Z', 'no record of this patient']]) {
    it(`OBR-25 ${code} (${meaning}) is an error at OBR.25 that says what the code means, as the IG maps it`, () => {
      const r = run(obr(code!), OBX);
      const err = r.issues.find((i) => i.severity === 'error' && i.expression?.[0] === 'OBR.25');
      expect(errorCodeOf(err!)).to.equal('MAP_UNKNOWN_CODE');
      expect(err!.diagnostics).to.contain(meaning).and.contain('IG');
    });
  }

  const IG_0038: Array<[string, string]> = [
    ['CA', 'revoked'], ['CM', 'completed'], ['DC', 'revoked'], ['ER', 'entered-in-error'],
    ['HD', 'on-hold'], ['IP', 'active'], ['RP', 'revoked'], ['SC', 'active'], ['A', 'active'],
  ];
  for (const [code, request] of IG_0038) {
    it(`ORC-5 ${code} -> ServiceRequest.status ${request} (over OBR-25 F)`, () => {
      const r = run(orc(code), obr('F'), OBX);
      expect(resources<ServiceRequest>(r.value!.bundle, 'ServiceRequest')[0]!.status).to.equal(request);
    });
  }
});
