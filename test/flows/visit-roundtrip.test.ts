/**
 * The visit both ways outside the gateway (`frontdesk convert`'s converters): an SIU whose PV1
 * names a visit reads into an Appointment plus its Encounter, and writes back (from the message or
 * from the FHIR Bundle) with the same PV1, which reads back into the same Encounter; an ORU whose
 * PV1 names a visit gives a lab Bundle with the Encounter that still converts to the results inbox.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { Bundle, Encounter } from 'fhir/r4.js';
import { detectInput } from '../../src/domain/input.js';
import { converters } from '../../src/flows/registry.js';
import { emptyLookup, type Converted, type FlowContext, type Target } from '../../src/flows/types.js';

const ctx: FlowContext = { timezone: 'America/New_York', lookup: emptyLookup };
const PV1 = 'PV1|1|O|SUNRISE^EXAM2^^SUNRISE_FP||||1234567893^Careful^Casey^^^Dr^MD^^^^^^NPI||||||||||||V000123^^^SUNRISE_FP^VN|||||||||||||||||||||||||20240301083000-0500';
const withPv1 = (path: string) => readFileSync(`examples/hl7v2/${path}`, 'utf8').replace(/\r?\n/g, '\r').split('\r').map((l) => (l.startsWith('PV1|') ? PV1 : l)).join('\r');

function convert(text: string, to: Target): Converted {
  const input = detectInput(text).value!;
  const c = converters.find((x) => x.accepts(input))!;
  const r = c.convert(input, to, ctx);
  expect(r.issues.filter((i) => i.severity === 'error' || i.severity === 'fatal'), `${c.name} -> ${to}`).to.deep.equal([]);
  return r.value!;
}
const bundleOf = (c: Converted) => (c.to === 'fhir' ? (c.resource as Bundle) : undefined)!;
const encounterOf = (b: Bundle) => b.entry!.map((e) => e.resource!).find((r): r is Encounter => r.resourceType === 'Encounter');
const hl7Of = (c: Converted) => (c.to === 'hl7v2' ? c.text : '');
const pv1Of = (text: string) => text.split(/\r\n?|\n/).find((l) => l.startsWith('PV1|'));

describe('flows: the visit (PV1 <-> Encounter) both ways in SIU and ORU', () => {
  it('SIU -> FHIR: the Appointment and its visit, linked', () => {
    const b = bundleOf(convert(withPv1('scheduling/s12-new.hl7'), 'fhir'));
    const e = encounterOf(b)!;
    const appt = b.entry!.find((x) => x.resource?.resourceType === 'Appointment')!.resource!;
    expect(e.identifier?.[0]?.value).to.equal('V000123');
    expect(e.appointment).to.deep.equal([{ reference: `Appointment/${appt.id}` }]);
    expect(e.period?.start).to.equal('2024-03-01T08:30:00-05:00');
  });

  it('SIU -> SIU and SIU -> FHIR Bundle -> SIU write the visit back as PV1, which reads back into the same Encounter', () => {
    const source = withPv1('scheduling/s12-new.hl7');
    const before = encounterOf(bundleOf(convert(source, 'fhir')))!;
    for (const text of [hl7Of(convert(source, 'hl7v2')), hl7Of(convert(JSON.stringify(bundleOf(convert(source, 'fhir'))), 'hl7v2'))]) {
      const pv1 = pv1Of(text)!.split('|');
      expect([pv1[2], pv1[19], pv1[44]]).to.deep.equal(['O', 'V000123^^^SUNRISE_FP^VN', '20240301083000-0500']);
      expect(encounterOf(bundleOf(convert(text, 'fhir')))).to.deep.equal(before);
    }
  });

  it('an SIU without a visit still writes PV1|1|O and makes no Encounter', () => {
    const text = readFileSync('examples/hl7v2/scheduling/s12-new.hl7', 'utf8');
    expect(encounterOf(bundleOf(convert(text, 'fhir')))).to.equal(undefined);
    expect(pv1Of(hl7Of(convert(text, 'hl7v2')))).to.equal('PV1|1|O');
  });

  it('ORU -> FHIR: report, order and results reference the visit; that Bundle converts to the same inbox records as the message', () => {
    const source = withPv1('labs/oru-r01-cbc-final.hl7');
    const b = bundleOf(convert(source, 'fhir'));
    const e = encounterOf(b)!;
    const url = b.entry!.find((x) => x.resource === e)!.fullUrl;
    for (const t of ['DiagnosticReport', 'ServiceRequest', 'Observation']) {
      const rs = b.entry!.filter((x) => x.resource?.resourceType === t).map((x) => x.resource as { encounter?: { reference?: string } });
      expect(rs.length, t).to.be.greaterThan(0);
      expect(rs.every((r) => r.encounter?.reference === url), t).to.equal(true);
    }
    const fromMessage = convert(source, 'office');
    const fromBundle = convert(JSON.stringify(b), 'office');
    expect(fromBundle).to.deep.equal(fromMessage);
  });
});
