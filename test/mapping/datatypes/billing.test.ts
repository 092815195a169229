import { expect } from 'chai';
import { CP, DR, XON_ORG } from '../../../src/mapping/datatypes/billing.js';
import { DATATYPES } from '../../../src/mapping/datatypes/index.js';
import { loadMapping } from '../../../src/mapping/loader.js';
import { codeTable, toFhirCode } from '../../../src/mapping/tables.js';
import { at } from '../../support/billing.js';

const ctx = { where: 'FT1.11', timezone: 'America/New_York' };

describe('billing: datatypes, mapping file and code tables', () => {
  it('CP (FT1-11/12): MO amount & currency -> Money; a non-number is named', () => {
    expect(CP.toFhir([['100.50', 'USD']], ctx).value).to.deep.equal({ value: 100.5, currency: 'USD' });
    expect(CP.toFhir([['35']], { ...ctx, params: { currency: 'USD' } }).value).to.deep.equal({ value: 35, currency: 'USD' });
    expect(CP.toFhir([['-20.00', 'USD']], ctx).value).to.deep.equal({ value: -20, currency: 'USD' });
    const bad = CP.toFhir([['12,50', 'EUR']], ctx);
    expect(bad.value).to.equal(undefined);
    expect(at(bad.issues)).to.deep.equal(['HL7_DATATYPE@FT1.11']);
    expect(CP.fromFhir({ value: 100.5, currency: 'USD' }, ctx)).to.deep.equal([['100.5', 'USD']]);
  });

  it('DR (FT1-4): range start/end -> Period; a bad date is named by component', () => {
    expect(DR.toFhir([['20260302'], ['20260303']], { ...ctx, where: 'FT1.4' }).value).to.deep.equal({ start: '2026-03-02', end: '2026-03-03' });
    expect(at(DR.toFhir([['20261302']], { ...ctx, where: 'FT1.4' }).issues)).to.deep.equal(['MAP_INVALID_DATE@FT1.4.1']);
    expect(DR.fromFhir({ start: '2026-03-02' }, ctx)).to.deep.equal(['20260302', '']);
  });

  it('XON_ORG (FT1-32): organization name and NPI (XON-10 with XON-7 NPI)', () => {
    const rep = 'Sample Family Practice^L^^^^^NPI^^^1040000014'.split('^').map((c) => [c]);
    const ref = XON_ORG.toFhir(rep, ctx).value;
    expect(ref).to.deep.equal({ identifier: { system: 'http://hl7.org/fhir/sid/us-npi', value: '1040000014', type: { text: 'NPI' } }, display: 'Sample Family Practice' });
    expect(XON_ORG.fromFhir(ref, ctx)).to.deep.equal(['Sample Family Practice', '', '', '', '', [], 'NPI', '', '', '1040000014']);
  });

  it('the transforms are registered by name and mappings/dft-p03.json loads against its schema', () => {
    for (const t of ['CP', 'MO', 'DR', 'XON_ORG']) expect(DATATYPES[t], t).to.not.equal(undefined);
    const m = loadMapping('dft-p03');
    expect(m.segments.map((s) => s.segment)).to.deep.equal(['EVN', 'PV1', 'FT1', 'DG1', 'PR1', 'IN1']);
  });

  it('code tables as data: CMS place of service, table 0017, patient class -> POS', () => {
    expect(toFhirCode('cms-place-of-service', '11')?.display).to.equal('Office');
    expect(toFhirCode('cms-place-of-service', '30')).to.equal(undefined);
    expect(codeTable('cms-place-of-service')!.map.every((e) => /^\d{2}$/.test(e.hl7))).to.equal(true);
    expect(toFhirCode('0017', 'CG')?.display).to.equal('Charge');
    expect(toFhirCode('patient-class-pos', 'E')?.fhir).to.equal('23');
  });
});
