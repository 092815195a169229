/**
 * Copy a valid example, change one thing, and assert the exact error-level issues (code and
 * FHIRPath expression) the validator reports: nothing missing, nothing extra.
 */
import { expect } from 'chai';
import { validateResource } from '../../src/validation/index.js';
import { errors, example } from './helpers.js';

type Case = { name: string; file: string; change: (r: Record<string, any>) => void; expect: string[]; profile?: string };

const CASES: Case[] = [
  // --- the cases named in the issue
  { name: 'invalid gender code', file: 'patient.json', change: (r) => { r.gender = 'F'; }, expect: ['FHIR_CODE_INVALID@Patient.gender'] },
  { name: 'malformed date (month 13)', file: 'patient.json', change: (r) => { r.birthDate = '1980-13-01'; }, expect: ['FHIR_VALUE@Patient.birthDate'] },
  { name: 'malformed date (US order)', file: 'patient.json', change: (r) => { r.birthDate = '04/12/1980'; }, expect: ['FHIR_VALUE@Patient.birthDate'] },
  { name: 'date that does not exist', file: 'patient.json', change: (r) => { r.birthDate = '1981-02-29'; }, expect: ['FHIR_VALUE@Patient.birthDate'] },
  { name: 'empty string', file: 'patient.json', change: (r) => { r.name[0].family = ''; }, expect: ['FHIR_VALUE@Patient.name[0].family'] },
  { name: 'empty string in a repeating primitive', file: 'patient.json', change: (r) => { r.name[0].given[1] = ''; }, expect: ['FHIR_VALUE@Patient.name[0].given[1]'] },
  { name: 'name not an array', file: 'patient.json', change: (r) => { r.name = r.name[0]; }, expect: ['FHIR_STRUCTURE@Patient.name'] },
  { name: 'missing required element (profile: gender)', file: 'patient.json', change: (r) => { delete r.gender; }, expect: ['FHIR_REQUIRED@Patient.gender'] },
  { name: 'missing required element (profile: identifier.system)', file: 'patient.json', change: (r) => { delete r.identifier[0].system; }, expect: ['FHIR_REQUIRED@Patient.identifier[0].system'] },
  { name: 'missing required element (base: Coverage.status)', file: 'coverage.json', change: (r) => { delete r.status; }, expect: ['FHIR_REQUIRED@Coverage.status'] },
  { name: 'missing required element (profile: Coverage.subscriberId)', file: 'coverage.json', change: (r) => { delete r.subscriberId; }, expect: ['FHIR_REQUIRED@Coverage.subscriberId'] },
  { name: 'pat-1: contact without details', file: 'patient.json', change: (r) => { r.contact[0] = { relationship: r.contact[0].relationship }; }, expect: ['FHIR_INVARIANT@Patient.contact[0]'] },
  { name: 'app-3: booked appointment without start/end', file: 'appointment.json', change: (r) => { delete r.start; delete r.end; }, expect: ['FHIR_INVARIANT@Appointment'] },
  { name: 'instant without timezone (Appointment.start)', file: 'appointment.json', change: (r) => { r.start = '2024-03-05T09:30:00'; }, expect: ['FHIR_VALUE@Appointment.start'] },
  { name: 'dateTime with time but no timezone', file: 'observation.json', change: (r) => { r.effectiveDateTime = '2024-03-05T08:10:00'; }, expect: ['FHIR_VALUE@Observation.effectiveDateTime'] },
  { name: 'reference to the wrong resource type', file: 'claim.json', change: (r) => { r.patient.reference = 'Practitioner/prac-example-1'; }, expect: ['FHIR_REFERENCE_TARGET@Claim.patient.reference'] },
  { name: 'reference to the wrong type (profile narrows payor)', file: 'coverage.json', change: (r) => { r.payor[0].reference = 'Patient/pat-example-1'; }, expect: ['FHIR_REFERENCE_TARGET@Coverage.payor[0].reference'] },
  { name: 'unknown element', file: 'patient.json', change: (r) => { r.nickname = 'AJ'; }, expect: ['FHIR_UNKNOWN_ELEMENT@Patient.nickname'] },
  { name: 'unknown element deep inside', file: 'claim.json', change: (r) => { r.item[0].price = 1; }, expect: ['FHIR_UNKNOWN_ELEMENT@Claim.item[0].price'] },
  // --- more of the same kind
  { name: 'boolean as a string', file: 'patient.json', change: (r) => { r.active = 'true'; }, expect: ['FHIR_STRUCTURE@Patient.active'] },
  { name: 'single value given as an array', file: 'patient.json', change: (r) => { r.gender = ['female']; }, expect: ['FHIR_STRUCTURE@Patient.gender'] },
  { name: 'empty object (ele-1)', file: 'patient.json', change: (r) => { r.maritalStatus = {}; }, expect: ['FHIR_INVARIANT@Patient.maritalStatus'] },
  { name: 'empty array', file: 'patient.json', change: (r) => { r.address = []; }, expect: ['FHIR_STRUCTURE@Patient.address'] },
  { name: 'code with a trailing space', file: 'coverage.json', change: (r) => { r.status = 'active '; }, expect: ['FHIR_VALUE@Coverage.status'] },
  { name: 'invalid id', file: 'patient.json', change: (r) => { r.id = 'pat_1!'; }, expect: ['FHIR_VALUE@Patient.id'] },
  { name: 'positiveInt zero', file: 'claim.json', change: (r) => { r.item[1].sequence = 0; }, expect: ['FHIR_VALUE@Claim.item[1].sequence'] },
  { name: 'decimal as a string', file: 'claim.json', change: (r) => { r.total.value = '165.00'; }, expect: ['FHIR_STRUCTURE@Claim.total.value'] },
  { name: 'fixed value (Claim.use)', file: 'claim.json', change: (r) => { r.use = 'preauthorization'; }, expect: ['FHIR_FIXED@Claim.use'] },
  { name: 'pattern value (Claim.type professional)', file: 'claim.json', change: (r) => { r.type.coding[0].code = 'institutional'; }, expect: ['FHIR_FIXED@Claim.type'] },
  { name: 'max cardinality (4 modifiers)', file: 'claim.json', change: (r) => { r.item[0].modifier = Array(5).fill(r.item[0].modifier[0]); }, expect: ['FHIR_CARDINALITY@Claim.item[0].modifier'] },
  { name: 'two choice variants', file: 'observation.json', change: (r) => { r.effectivePeriod = { start: '2024-03-05' }; }, expect: ['FHIR_STRUCTURE@Observation.effectivePeriod'] },
  { name: 'choice type the profile does not allow', file: 'claim.json', change: (r) => { r.diagnosis[0] = { sequence: 1, diagnosisReference: { reference: 'Condition/c1' } }; }, expect: ['FHIR_REQUIRED@Claim.diagnosis[0].diagnosis', 'FHIR_UNKNOWN_ELEMENT@Claim.diagnosis[0].diagnosisReference'] },
  { name: 'required binding on a Coding-carrying CodeableConcept', file: 'patient.json', change: (r) => { r.contact[0].gender = 'woman'; }, expect: ['FHIR_CODE_INVALID@Patient.contact[0].gender'] },
  { name: 'profile invariant fd-clm-4 (no charge)', file: 'claim.json', change: (r) => { delete r.item[1].unitPrice; delete r.item[1].net; }, expect: ['FHIR_INVARIANT@Claim.item[1]'] },
  { name: 'profile invariant fd-clm-2 (dangling diagnosis pointer)', file: 'claim.json', change: (r) => { r.item[1].diagnosisSequence = [3]; }, expect: ['FHIR_INVARIANT@Claim'] },
  { name: 'profile invariant fd-clm-3 (not ICD-10-CM)', file: 'claim.json', change: (r) => { r.diagnosis[1].diagnosisCodeableConcept.coding[0].system = 'http://snomed.info/sct'; }, expect: ['FHIR_INVARIANT@Claim.diagnosis[1].diagnosisCodeableConcept'] },
  { name: 'profile invariant fd-app-1 (ends before it starts)', file: 'appointment.json', change: (r) => { r.end = '2024-03-05T09:00:00-05:00'; }, expect: ['FHIR_INVARIANT@Appointment'] },
  { name: 'profile invariant fd-obs-1 (not a lab category)', file: 'observation.json', change: (r) => { r.category[0].coding[0].code = 'vital-signs'; }, expect: ['FHIR_INVARIANT@Observation'] },
  { name: 'profile invariant fd-dr-1 (category LAB)', file: 'diagnosticreport.json', change: (r) => { r.category[0].coding[0].code = 'RAD'; }, expect: ['FHIR_INVARIANT@DiagnosticReport'] },
  { name: 'base invariant per-1 (period end before start)', file: 'coverage.json', change: (r) => { r.period = { start: '2024-12-31', end: '2024-01-01' }; }, expect: ['FHIR_INVARIANT@Coverage.period'] },
  { name: 'base invariant obs-6 (value and dataAbsentReason)', file: 'observation.json', change: (r) => { r.dataAbsentReason = { text: 'lost' }; }, expect: ['FHIR_INVARIANT@Observation'] },
  { name: 'ext-1: extension with value and nested extension', file: 'patient.json', change: (r) => { r.extension = [{ url: 'http://example.org/x', valueString: 'a', extension: [{ url: 'y', valueString: 'b' }] }]; }, expect: ['FHIR_INVARIANT@Patient.extension[0]'] },
  { name: 'primitive extension: bad _birthDate shape', file: 'patient.json', change: (r) => { r._birthDate = 'x'; }, expect: ['FHIR_STRUCTURE@Patient.birthDate'] },
  { name: 'contained resource is validated too', file: 'claim.json', change: (r) => { r.contained = [{ resourceType: 'Organization', id: 'payer', name: '' }]; r.insurer = { reference: '#payer' }; }, expect: ['FHIR_VALUE@Claim.contained[0].name'] },
  { name: 'contained reference to the wrong type', file: 'claim.json', change: (r) => { r.contained = [{ resourceType: 'Patient', id: 'p' }]; r.insurer = { reference: '#p' }; }, expect: ['FHIR_REFERENCE_TARGET@Claim.insurer.reference'] },
  { name: 'a logical reference (identifier only) passes ref-1, read as R5 states it', file: 'claim.json', change: (r) => { r.provider = { identifier: { system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' } }; }, expect: [] },
  { name: 'a reference to a contained resource that does not exist (ref-1)', file: 'claim.json', change: (r) => { r.insurer = { reference: '#nowhere' }; }, expect: ['FHIR_INVARIANT@Claim.insurer'] },
  { name: 'base64Binary that is not whole groups of four', file: 'diagnosticreport.json', change: (r) => { r.presentedForm = [{ contentType: 'text/plain', data: 'SGVsbG8' }]; }, expect: ['FHIR_VALUE@DiagnosticReport.presentedForm[0].data'] },
  { name: 'base profile on request accepts what ours rejects', file: 'patient.json', profile: 'http://hl7.org/fhir/StructureDefinition/Patient', change: (r) => { delete r.gender; delete r.meta; }, expect: [] },
];

describe('validation: copy a valid resource and change one thing', () => {
  for (const c of CASES) {
    it(`${c.name} -> ${c.expect.join(', ') || 'no error'}`, () => {
      const r = example(c.file);
      expect(errors(validateResource(r, c.profile ? { profile: c.profile } : {})), 'the unchanged example').to.deep.equal([]);
      c.change(r);
      expect(errors(validateResource(r, c.profile ? { profile: c.profile } : {}))).to.deep.equal([...c.expect].sort());
    });
  }
});
