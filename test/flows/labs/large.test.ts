import { expect } from 'chai';
import { oruWithManyResults, oruWithPdf, syntheticPdf } from '../../../examples/hl7v2/labs/generate.js';
import { convert, errors, observations, reports } from '../../support/labs.js';

// Sizes and memory are measured by bench/labs.ts; these tests check that large messages convert whole.
describe('labs: large messages convert', function () {
  this.timeout(120_000);

  it('500 OBX in one order: 500 Observations with distinct ids, all referenced by the report', () => {
    const out = convert(oruWithManyResults(500));
    expect(errors(out.issues)).to.deep.equal([]);
    const obs = observations(out.bundle);
    expect(obs).to.have.length(500);
    expect(new Set(obs.map((o) => o.id)).size).to.equal(500);
    expect(reports(out.bundle)[0]!.result).to.have.length(500);
    expect(obs.filter((o) => o.note?.length)).to.have.length(125);
    expect(out.office[0]!.resultCount).to.equal(500);
  });

  it('an embedded 5 MB base64 PDF (ED) becomes the report\'s presentedForm, byte for byte', () => {
    const bytes = 5 * 1024 * 1024;
    const out = convert(oruWithPdf(bytes));
    expect(errors(out.issues)).to.deep.equal([]);
    const [dr] = reports(out.bundle);
    expect(dr!.presentedForm).to.have.length(1);
    const pdf = dr!.presentedForm![0]!;
    expect(pdf.contentType).to.equal('application/pdf');
    expect(pdf.title).to.equal('Laboratory report');
    expect(pdf.data!.length).to.equal(syntheticPdf(bytes).toString('base64').length);
    expect(Buffer.from(pdf.data!, 'base64').equals(syntheticPdf(bytes))).to.equal(true);
    // The document is not an Observation (R4 Observation.value[x] has no Attachment); the NM result is.
    expect(observations(out.bundle).map((o) => o.code.coding?.[0]?.code)).to.deep.equal(['2345-7']);
    expect(out.office[0]!.hasDocument).to.equal(true);
  });
});
