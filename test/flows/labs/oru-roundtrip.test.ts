/**
 * ORU^R01 written back (src/flows/labs/write.ts, through the labs Converter as `frontdesk convert
 * --to hl7v2` runs it): a lab Bundle -> ORU^R01 -> our own inbound labs reader -> the same
 * resources (ids, codes, values, status, performer Organization with CLIA id and address, medical
 * director, ServiceRequest identifiers, requester, reason, times, Encounter, Specimen, notes).
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { Bundle, FhirResource } from 'fhir/r4.js';
import { detectInput } from '../../../src/domain/input.js';
import { converters } from '../../../src/flows/registry.js';
import { parseHl7 } from '../../../src/hl7/message.js';
import { validateMessage } from '../../../src/hl7/validate.js';
import { emptyLookup, type Converted, type FlowContext, type Target } from '../../../src/flows/types.js';

const ctx: FlowContext = { timezone: 'America/New_York', lookup: emptyLookup };
const PV1 = 'PV1|1|O|SUNRISE^EXAM2^^SUNRISE_FP||||1234567893^Careful^Casey^^^Dr^MD^^^^^^NPI||||||||||||V000123^^^SUNRISE_FP^VN|||||||||||||||||||||||||20240301083000-0500';
const OBX23 = '|||||||||ACME Reference Lab^^^^^CLIA&2.16.840.1.113883.4.7&ISO^XX^^^05D0987654|100 Lab Way^^Springfield^IL^62702^USA|4455667788^Director^Dana^Q^^Dr^^^NPI^L^^^NPI';
/** The CBC example with a visit, a reason for the order (OBR-31) and OBX-23/24/25 on every result. */
function source(): string {
  const lines = readFileSync('examples/hl7v2/labs/oru-r01-cbc-final.hl7', 'utf8').split(/\r\n?|\n/).filter(Boolean);
  return lines.map((l) => {
    if (l.startsWith('PV1|')) return PV1;
    if (l.startsWith('OBR|')) return `${l}||||||R50.9^Fever, unspecified^I10`;
    if (l.startsWith('OBX|')) return l.split('|').slice(0, 15).join('|') + OBX23;
    return l;
  }).join('\r') + '\r';
}

function convert(text: string, to: Target): Converted {
  const input = detectInput(text).value!;
  const c = converters.find((x) => x.accepts(input))!;
  const r = c.convert(input, to, ctx);
  expect(r.issues.filter((i) => i.severity === 'error' || i.severity === 'fatal'), `${c.name} -> ${to}`).to.deep.equal([]);
  return r.value!;
}
const bundleOf = (c: Converted) => (c.to === 'fhir' ? (c.resource as Bundle) : undefined)!;
const hl7Of = (c: Converted) => (c.to === 'hl7v2' ? c.text : '');
const resources = (b: Bundle): FhirResource[] => b.entry!.map((e) => e.resource as FhirResource);
const byType = (b: Bundle, t: string) => resources(b).filter((r) => r.resourceType === t);

describe('flows/labs: ORU^R01 written back reads into the same resources', () => {
  it('lab Bundle -> ORU^R01 (profile-valid) -> inbound labs -> the same Bundle entries', () => {
    const before = bundleOf(convert(source(), 'fhir'));
    const types = resources(before).map((r) => r.resourceType);
    for (const t of ['Patient', 'Encounter', 'DiagnosticReport', 'ServiceRequest', 'Observation', 'Specimen', 'Organization', 'Practitioner']) expect(types, t).to.include(t);
    const oru = hl7Of(convert(JSON.stringify(before), 'hl7v2'));
    const msg = parseHl7(oru).value!;
    expect(msg.messageType).to.equal('ORU^R01');
    expect(validateMessage(msg).filter((i) => i.severity === 'error')).to.deep.equal([]);
    const after = bundleOf(convert(oru, 'fhir'));
    // Every resource, by type and id, as it was (ids, codes, values, status, references).
    expect(resources(after).map((r) => `${r.resourceType}/${r.id}`).sort()).to.deep.equal(resources(before).map((r) => `${r.resourceType}/${r.id}`).sort());
    for (const r of resources(before)) {
      if (r.resourceType === 'DiagnosticReport') continue;
      expect(resources(after).find((x) => x.resourceType === r.resourceType && x.id === r.id), `${r.resourceType}/${r.id}`).to.deep.equal(r);
    }
    // The report: everything but its sender-name performer fallback (MSH-4 vs the OBX-23 Organization: both give the Organization).
    expect(byType(after, 'DiagnosticReport')).to.deep.equal(byType(before, 'DiagnosticReport'));
  });

  for (const f of ['oru-r01-cbc-final.hl7', 'oru-r01-cbc-corrected.hl7', 'oru-r01-cbc-preliminary.hl7', 'oru-r01-pdf-report.hl7', 'oru-r01-v23-chemistry.hl7']) {
    it(`examples/hl7v2/labs/${f}: Bundle -> ORU^R01 -> the same Bundle resources`, () => {
      const before = bundleOf(convert(readFileSync(`examples/hl7v2/labs/${f}`, 'utf8'), 'fhir'));
      const after = bundleOf(convert(hl7Of(convert(JSON.stringify(before), 'hl7v2')), 'fhir'));
      const key = (r: FhirResource) => `${r.resourceType}/${r.id}`;
      expect(resources(after).map(key).sort()).to.deep.equal(resources(before).map(key).sort());
      for (const r of resources(before)) expect(resources(after).find((x) => key(x) === key(r)), key(r)).to.deep.equal(r);
    });
  }

  it('writes the fields the reader reads: ORC-2/3/12, OBR-16/31, OBX-23/24/25, NTE', () => {
    const oru = hl7Of(convert(JSON.stringify(bundleOf(convert(source(), 'fhir'))), 'hl7v2'));
    const seg = (name: string) => oru.split('\r').find((l) => l.startsWith(`${name}|`))!.split('|');
    const orc = seg('ORC'), obr = seg('OBR'), obx = seg('OBX');
    expect([orc[2], orc[3]]).to.deep.equal(['ORD1001^FDORDERS', 'LAB778899^ACMELAB']);
    expect(orc[12]).to.match(/^1234567893\^Carter\^Dana\^/);
    expect(obr[16]).to.equal(orc[12]);
    expect(obr[31]).to.match(/^R50\.9\^Fever, unspecified\^I10/);
    expect([obx[2], obx[5], obx[23], obx[24]]).to.deep.equal(['NM', '10.2', 'ACME Reference Lab^^^^^CLIA&2.16.840.1.113883.4.7&ISO^XX^^^05D0987654', '100 Lab Way^^Springfield^IL^62702^USA']);
    expect(obx[25]).to.match(/^4455667788\^Director\^Dana\^Q/);
    expect(oru).to.include('NTE|1||Specimen slightly hemolyzed.');
  });

  it('ORU -> ORU: the message converts to hl7v2 through FHIR, and a Bundle without a DiagnosticReport patient is refused naming the field', () => {
    const again = hl7Of(convert(source(), 'hl7v2'));
    expect(again.split('\r')[0]).to.match(/\|ORU\^R01\^ORU_R01\|/);
    const before = bundleOf(convert(source(), 'fhir'));
    const noPatient = { ...before, entry: before.entry!.filter((e) => e.resource?.resourceType !== 'Patient') };
    const input = detectInput(JSON.stringify(noPatient)).value!;
    const c = converters.find((x) => x.accepts(input))!;
    const r = c.convert(input, 'hl7v2', ctx);
    expect(r.value).to.equal(undefined);
    expect(r.issues.map((i) => i.expression?.[0])).to.include('DiagnosticReport.subject');
  });
});
