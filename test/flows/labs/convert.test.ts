import { expect } from 'chai';
import type { Patient, ServiceRequest } from 'fhir/r4.js';
import type { Issue } from '../../../src/domain/issues.js';
import { validateLabBundle } from '../../../src/flows/labs/convert.js';
import { validateOfficeRecord, validateResource } from '../../../src/validation/index.js';
import { convert, errors, example, observations, reports, resources, specimens } from '../../support/labs.js';

describe('labs: ORU^R01 -> FHIR transaction Bundle', () => {
  const out = convert(example('oru-r01-cbc-final.hl7'));
  const b = out.bundle;
  const byCode = (code: string) => observations(b).find((o) => o.code.coding?.[0]?.code === code)!;

  it('builds a transaction: the Patient and the identified Practitioners as conditional creates, everything else PUT to its id', () => {
    expect(b.type).to.equal('transaction');
    const patientEntry = b.entry!.find((e) => e.resource?.resourceType === 'Patient')!;
    expect(patientEntry.request).to.deep.equal({ method: 'POST', url: 'Patient', ifNoneExist: 'identifier=http://frontdesk.example.org/fhir/sid/mrn|MRN4711' });
    const practitionerEntry = b.entry!.find((e) => e.resource?.resourceType === 'Practitioner')!;
    expect(practitionerEntry.request).to.deep.equal({ method: 'POST', url: 'Practitioner', ifNoneExist: 'identifier=http://hl7.org/fhir/sid/us-npi|1234567893' });
    for (const e of b.entry!.filter((x) => x.resource?.resourceType !== 'Patient' && x.resource?.resourceType !== 'Practitioner')) {
      expect(e.request).to.deep.equal({ method: 'PUT', url: `${e.resource!.resourceType}/${e.resource!.id}` });
    }
    expect(new Set(b.entry!.map((e) => e.fullUrl)).size).to.equal(b.entry!.length);
    // Results point at the patient entry; the transaction resolves it to the matched or created Patient.
    for (const o of observations(b)) expect(o.subject?.reference).to.equal(patientEntry.fullUrl);
    expect((patientEntry.resource as Patient).name?.[0]?.family).to.equal('Sample');
  });

  it('maps OBR to a DiagnosticReport: code, status, effective, issued, identifiers, performer, results', () => {
    const [dr] = reports(b);
    expect(reports(b)).to.have.length(1);
    expect(dr!.code.coding?.[0]).to.deep.include({ system: 'http://loinc.org', code: '58410-2' });
    expect(dr!.status).to.equal('final');
    expect(dr!.category?.[0]?.coding?.[0]?.code).to.equal('LAB');
    expect(dr!.effectiveDateTime).to.equal('2024-03-01T08:15:00-05:00');
    expect(dr!.issued).to.equal('2024-03-01T16:30:00-05:00');
    expect(dr!.identifier?.map((i) => [i.type?.coding?.[0]?.code, i.value])).to.deep.equal([['FILL', 'LAB778899'], ['PLAC', 'ORD1001']]);
    const sr = resources<ServiceRequest>(b, 'ServiceRequest')[0]!;
    expect(dr!.basedOn?.[0]).to.deep.equal({ reference: b.entry!.find((e) => e.resource === sr)!.fullUrl, type: 'ServiceRequest', identifier: { system: 'urn:frontdesk:ns:FDORDERS', value: 'ORD1001' } });
    expect(dr!.performer?.[0]?.display).to.equal('ACME Reference Lab');
    expect(dr!.result?.map((r) => r.reference)).to.deep.equal(observations(b).map((o) => `Observation/${o.id}`));
    expect(dr!.specimen?.[0]?.reference).to.equal(`Specimen/${specimens(b)[0]!.id}`);
  });

  it('maps NM to a UCUM Quantity with reference range, interpretation, notes and specimen', () => {
    const hgb = byCode('718-7');
    expect(hgb.valueQuantity).to.deep.equal({ value: 10.2, unit: 'grams per deciliter', system: 'http://unitsofmeasure.org', code: 'g/dL' });
    expect(hgb.referenceRange?.[0]).to.deep.equal({
      low: { value: 12, unit: 'grams per deciliter', system: 'http://unitsofmeasure.org', code: 'g/dL' },
      high: { value: 15.5, unit: 'grams per deciliter', system: 'http://unitsofmeasure.org', code: 'g/dL' },
      text: '12.0-15.5',
    });
    expect(hgb.interpretation?.[0]?.coding?.[0]).to.deep.include({ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'L' });
    expect(hgb.note).to.deep.equal([{ text: 'Specimen slightly hemolyzed.' }]);
    expect(hgb.status).to.equal('final');
    expect(hgb.effectiveDateTime).to.equal('2024-03-01T08:15:00-05:00');
    expect(hgb.specimen?.reference).to.equal(`Specimen/${specimens(b)[0]!.id}`);
    expect(byCode('6690-2').valueQuantity?.code).to.equal('10*3/uL');
  });

  it('maps SN, CWE and multi-line TX values', () => {
    expect(byCode('5905-5').valueQuantity).to.deep.include({ value: 1, comparator: '<', code: '%' });
    expect(byCode('6463-4').valueCodeableConcept?.coding?.[0]).to.deep.equal({ system: 'http://snomed.info/sct', code: '260415000', display: 'Not detected' });
    expect(byCode('18314-6').valueString).to.equal('Occasional target cells.\nNo blasts seen.');
  });

  it('maps SPM to a Specimen with identifiers, type and times', () => {
    const [s] = specimens(b);
    expect(s!.identifier?.map((i) => [i.type?.coding?.[0]?.code, i.value, i.system])).to.deep.equal([
      ['PLAC', 'SP20240301-01', 'urn:frontdesk:ns:FDORDERS'],
      ['FILL', 'SP20240301-01', 'urn:frontdesk:ns:ACMELAB'],
    ]);
    expect(s!.type?.coding?.[0]).to.deep.include({ system: 'http://snomed.info/sct', code: '119297000' });
    expect(s!.collection?.collectedDateTime).to.equal('2024-03-01T08:15:00-05:00');
    expect(s!.receivedTime).to.equal('2024-03-01T09:30:00-05:00');
  });

  it('writes one results-inbox record per report with an abnormal-flag summary', () => {
    expect(out.office).to.have.length(1);
    const rec = out.office[0]!;
    expect(rec).to.deep.include({
      recordType: 'results-inbox-item',
      id: reports(b)[0]!.id,
      reportReference: `DiagnosticReport/${reports(b)[0]!.id}`,
      patientIdentifier: 'MRN4711',
      patientName: 'Sample, Robin Lee',
      orderingProviderId: '1234567893',
      placerOrderNumber: 'ORD1001',
      fillerOrderNumber: 'LAB778899',
      reportCode: '58410-2',
      reportStatus: 'final',
      isCorrection: false,
      resultCount: 6,
      abnormalCount: 4,
      criticalCount: 1,
      abnormalFlag: 'critical',
      hasDocument: false,
    });
    expect(rec.abnormalSummary).to.equal('Hemoglobin [Mass/volume] in Blood L; Leukocytes [#/volume] in Blood by Automated count HH; Monocytes/100 leukocytes in Blood by Automated count L; Morphology [Interpretation] in Blood Narrative A');
    expect(rec.observationReferences).to.deep.equal(observations(b).map((o) => `Observation/${o.id}`));
    expect(errors(validateOfficeRecord(rec as unknown as Record<string, unknown>))).to.deep.equal([]);
  });

  it('produces output that passes the lab profiles, with no error issues', () => {
    expect(errors(out.issues)).to.deep.equal([]);
    expect(errors(validateLabBundle(b))).to.deep.equal([]);
    // Against the profiles by name too; the only findings are ref-1 on logical references (see validateLabBundle).
    const notLogicalRef1 = (i: Issue) => !i.diagnostics?.startsWith('ref-1:');
    for (const o of observations(b)) expect(errors(validateResource(o, { profile: 'fd-observation' })).filter(notLogicalRef1)).to.deep.equal([]);
    for (const r of reports(b)) expect(errors(validateResource(r, { profile: 'fd-diagnosticreport' })).filter(notLogicalRef1)).to.deep.equal([]);
    // A profile violation is caught: a final result with neither value nor reason (fd-obs-2).
    const { valueQuantity: _v, ...noValue } = observations(b)[0]!;
    expect(errors(validateResource(noValue, { profile: 'fd-observation' })).map((i) => i.diagnostics?.slice(0, 8))).to.include('fd-obs-2');
  });

  it('converts the same message to the same ids (replay is idempotent)', () => {
    const again = convert(example('oru-r01-cbc-final.hl7')).bundle;
    expect(again.entry!.map((e) => e.fullUrl)).to.deep.equal(b.entry!.map((e) => e.fullUrl));
    expect(again).to.deep.equal(b);
  });
});

describe('labs: v2.3 ORU with two orders and OBR-15 specimen source', () => {
  const out = convert(example('oru-r01-v23-chemistry.hl7'));
  const b = out.bundle;

  it('makes a DiagnosticReport per OBR, each with its own results and inbox record', () => {
    const drs = reports(b);
    expect(drs.map((r) => [r.code.coding?.[0]?.code, r.status, r.result?.length])).to.deep.equal([['80048', 'final', 3], ['2093-3', 'preliminary', 1]]);
    expect(out.office.map((r) => [r.fillerOrderNumber, r.abnormalFlag])).to.deep.equal([['QL-9001', 'abnormal'], ['QL-9002', 'abnormal']]);
    expect(resources<Patient>(b, 'Patient')).to.have.length(1);
  });

  it('builds the Specimen from OBR-15 when there is no SPM, and reads non-UCUM-labelled UCUM units', () => {
    const s = specimens(b);
    expect(s).to.have.length(2);
    expect(s[0]!.type?.coding?.[0]).to.deep.include({ system: 'http://terminology.hl7.org/CodeSystem/v2-0070', code: 'SER' });
    expect(s[0]!.collection?.collectedDateTime).to.equal('2003-11-05T08:00:00-05:00');
    const glucose = observations(b)[0]!;
    expect(glucose.valueQuantity).to.deep.equal({ value: 182, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' });
    expect(glucose.referenceRange?.[0]?.low?.value).to.equal(70);
    expect(observations(b)[3]!.referenceRange?.[0]).to.deep.include({ text: '<200' });
    expect(observations(b)[3]!.referenceRange?.[0]?.high?.value).to.equal(200);
  });

  it('keeps OBR notes as the report conclusion and OBX notes on the Observation', () => {
    expect(observations(b)[2]!.note).to.deep.equal([{ text: 'Fasting specimen per patient.' }]);
    expect(errors(out.issues)).to.deep.equal([]);
  });
});
