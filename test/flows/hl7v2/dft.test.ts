/** DFT^P03 through the gateway's HL7 processing step (the same call the MLLP listener makes). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { processHl7 } from '../../../src/flows/hl7v2/index.js';
import { emptyLookup } from '../../../src/flows/types.js';
import type { ChannelConfig } from '../../../src/config.js';
import { at, errorsOf } from '../../support/billing.js';
import { describeWithCorpus } from '../../support/shared-corpus.js';

const channel: ChannelConfig = { name: 'billing', source: { mllp: { port: 0 } }, destinations: [], validation: 'lenient' };
const ctx = { timezone: 'America/New_York', lookup: emptyLookup };

describe('billing: DFT^P03 through the gateway processing step', () => {
  it('the example DFT is processed (AA) into the claim transaction Bundle and the billing encounter', () => {
    const r = processHl7(readFileSync('examples/hl7v2/billing/dft-p03-office-visit.hl7', 'utf8'), { ...channel, validation: 'strict' }, ctx);
    expect(r.state, JSON.stringify(errorsOf(r.issues))).to.equal('processed');
    expect(r.flow).to.equal('dft-billing');
    expect(r.output!.bundle.entry![0]!.request).to.deep.equal({ method: 'PUT', url: r.output!.bundle.entry![0]!.request!.url });
    expect(r.output!.office[0]).to.include({ recordType: 'billing-encounter', encounterId: 'ENC-2026-000123' });
  });

});

describeWithCorpus('hl7v2-ms-fhir-converter', 'billing: a corpus DFT through the gateway processing step', (CORPUS) => {
  it('a corpus DFT^P03 is answered AE with the fields that block the claim', () => {
    const raw = readFileSync(path.join(CORPUS, 'DFT-P03-01.hl7'), 'utf8');
    const r = processHl7(raw, channel, ctx);
    expect(r.state).to.equal('error');
    expect(at(errorsOf(r.issues))).to.include.members(['CLAIM_EDIT@DG1[1].3', 'CLAIM_EDIT@FT1[1].20', 'CLAIM_EDIT@FT1[1].32']);
  });
});
