import { expect } from 'chai';
import { errorCodeOf } from '../../../src/domain/issues.js';
import { convert, example, lookupOf, observations, reports } from '../../support/labs.js';

describe('labs: preliminary -> final -> corrected results keep their ids', () => {
  const prelim = convert(example('oru-r01-cbc-preliminary.hl7'));
  const final = convert(example('oru-r01-cbc-final.hl7'), lookupOf([prelim.bundle]));
  const corrected = convert(example('oru-r01-cbc-corrected.hl7'), lookupOf([prelim.bundle, final.bundle]));

  it('updates the same DiagnosticReport and Observation ids (ids from the filler order number and OBX code)', () => {
    const ids = (b: typeof prelim.bundle) => [...reports(b), ...observations(b)].map((r) => r.id);
    expect(ids(final.bundle)).to.deep.equal(ids(prelim.bundle));
    expect(ids(corrected.bundle)).to.deep.equal(ids(prelim.bundle));
    expect(new Set(ids(prelim.bundle)).size).to.equal(7);
  });

  it('carries each status transition: preliminary, final, corrected', () => {
    expect(reports(prelim.bundle)[0]!.status).to.equal('preliminary');
    expect(reports(final.bundle)[0]!.status).to.equal('final');
    expect(reports(corrected.bundle)[0]!.status).to.equal('corrected');
    const hgb = (b: typeof prelim.bundle) => observations(b).find((o) => o.code.coding?.[0]?.code === '718-7')!;
    expect([hgb(prelim.bundle), hgb(final.bundle), hgb(corrected.bundle)].map((o) => [o.status, o.valueQuantity?.value])).to.deep.equal([
      ['preliminary', 10.4], ['final', 10.2], ['corrected', 12.8],
    ]);
    expect(observations(corrected.bundle).filter((o) => o.status === 'final')).to.have.length(5);
  });

  it('flags the correction in the results inbox, with the new abnormal summary', () => {
    const rec = corrected.office[0]!;
    expect(rec.isCorrection).to.equal(true);
    expect(rec.reportStatus).to.equal('corrected');
    expect(rec.id).to.equal(prelim.office[0]!.id);
    expect(rec.abnormalSummary).to.not.include('Hemoglobin');
    expect(final.office[0]!.abnormalSummary).to.include('Hemoglobin [Mass/volume] in Blood L');
  });

  it('a preliminary that arrives after the final does not undo it (kept out, with a warning at OBX-11 and OBR-25)', () => {
    const late = convert(example('oru-r01-cbc-preliminary.hl7'), lookupOf([final.bundle]));
    expect(observations(late.bundle)).to.have.length(0);
    expect(reports(late.bundle)).to.have.length(0);
    const conflicts = late.issues.filter((i) => errorCodeOf(i) === 'MAP_CONFLICT');
    expect(conflicts.map((i) => i.severity)).to.satisfy((s: string[]) => s.every((x) => x === 'warning'));
    expect(conflicts.map((i) => i.expression?.[0])).to.include.members(['OBX[1].11', 'OBR.25']);
    // Nothing new for the inbox: its record of the final report stands.
    expect(late.office).to.have.length(0);
  });
});
