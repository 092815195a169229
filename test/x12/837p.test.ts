import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'chai';
import { X12Parser, type X12Interchange } from 'node-x12';
import { build837p } from '../../src/x12/837p/build.js';
import { parse837 } from '../../src/x12/837p/parse.js';
import { claimBundleToEncounter } from '../../src/adapters/claim-bundle.js';
import type { BillingEncounter } from '../../src/billing/encounter.js';
import { CORRECTIONS_837, EXAMPLES_837, NOW, TODAY, at, claimBundle, counters, errorsOf, identity } from './helpers.js';

const golden = (name: string) => `examples/x12/${name}.837`;

async function build(names: string[]) {
  return build837p(names.map(claimBundle), { identity: identity(), destination: 'clearinghouse', allocate: counters(), now: NOW, today: TODAY });
}

/** What an 837P carries of an encounter: no status/priority/created/currency, every line dated. */
function comparable(e: BillingEncounter): BillingEncounter {
  const { status, priority, created, currency, ...rest } = e;
  void status; void priority; void created; void currency;
  return { ...rest, lines: rest.lines.map((l) => ({ ...l, dateOfService: l.dateOfService ?? e.dateOfService })) } as BillingEncounter;
}

describe('x12: 837P 005010X222A1 out of the claim Bundle', () => {
  for (const name of [...EXAMPLES_837, ...CORRECTIONS_837]) {
    it(`${name}: matches its golden file`, async () => {
      const r = await build([name]);
      expect(errorsOf(r.issues), JSON.stringify(r.issues)).to.deep.equal([]);
      if (process.env.UPDATE_GOLDEN === '1' || !existsSync(golden(name))) writeFileSync(golden(name), r.value!.x12!);
      expect(r.value!.x12).to.equal(readFileSync(golden(name), 'utf8'));
    });

    it(`${name}: round trip 837P -> parse -> the same claim`, async () => {
      const parsed = parse837(readFileSync(golden(name), 'utf8'));
      expect(errorsOf(parsed.issues)).to.deep.equal([]);
      expect(parsed.value!.encounters).to.have.length(1);
      const want = claimBundleToEncounter(claimBundle(name)).value!;
      expect(comparable(parsed.value!.encounters[0]!)).to.deep.equal(comparable(want));
    });

    it(`${name}: an independent X12 parser (node-x12, strict) reads our 837P`, async () => {
      const text = readFileSync(golden(name), 'utf8');
      const ic = new X12Parser(true).parse(text) as X12Interchange;
      const group = ic.functionalGroups[0]!;
      const tx = group.transactions[0]!;
      expect(Number(ic.header.valueOf(13))).to.equal(1);
      expect(group.header.valueOf(8)).to.equal('005010X222A1');
      expect(tx.header.valueOf(1)).to.equal('837');
      // node-x12 counts the body; SE-01 counts ST and SE too.
      expect(Number(tx.trailer.valueOf(1))).to.equal(tx.segments.length + 2);
      const clm = tx.segments.find((s) => s.tag === 'CLM')!;
      expect(clm.valueOf(1)).to.equal(claimBundleToEncounter(claimBundle(name)).value!.encounterId);
      const lines = tx.segments.filter((s) => s.tag === 'SV1');
      expect(lines).to.have.length(claimBundleToEncounter(claimBundle(name)).value!.lines.length);
    });
  }

  it('several lines: modifiers and diagnosis pointers travel in SV1-01 and SV1-07', async () => {
    const text = readFileSync(golden('claim-several-lines'), 'utf8');
    expect(text).to.contain('SV1*HC:20610:RT:59*210*UN*1***3:1:2:4~');
    expect(text).to.contain('HI*ABK:J069*ABF:R059*ABF:M25561*ABF:Z23~');
  });

  it('patient not the subscriber: SBR-02 empty, 2000C with PAT*19 and 2010CA', async () => {
    const text = readFileSync(golden('claim-patient-not-subscriber'), 'utf8');
    expect(text).to.match(/HL\*2\*1\*22\*1~\nSBR\*P\*\*GRP-4410\*{6}CI~\nNM1\*IL\*1\*Testparent\*Morgan\*{4}MI\*W123456789~/);
    expect(text).to.match(/HL\*3\*2\*23\*0~\nPAT\*19~\nNM1\*QC\*1\*Testchild\*Sam~/);
  });

  it('secondary coverage: 2320 SBR*S with OI, 2330A subscriber and 2330B payer', async () => {
    const text = readFileSync(golden('claim-secondary-coverage'), 'utf8');
    expect(text).to.match(/SBR\*S\*18\*{7}CI~\nOI\*\*\*Y\*\*\*Y~\nNM1\*IL\*1\*Sampleton\*Robin\*{4}MI\*SUP-0044521~\nNM1\*PR\*2\*Synthetic Supplement Co\*{5}PI\*SUP02~/);
  });

  it('a line at another place of service carries it in SV1-05; a line at the claim\'s (CLM05-1) leaves SV1-05 empty', async () => {
    const text = readFileSync(golden('claim-line-place-of-service'), 'utf8');
    expect(text).to.contain('CLM*ENC-2026-000205*215***11:B:1*Y*A*Y*Y~');
    expect(text).to.contain('SV1*HC:99213*125*UN*1***1:2~');
    expect(text).to.contain('SV1*HC:99212:95*90*UN*1*10**1~');
    const e = parse837(text).value!.encounters[0]!;
    expect(e.placeOfService).to.equal('11');
    expect(e.lines.map((l) => l.placeOfService)).to.deep.equal([undefined, '10']);
  });

  it('a line whose place of service is not a CMS code is a claim edit naming its item', async () => {
    const b = claimBundle('claim-line-place-of-service');
    const claim = b.entry!.find((e) => e.resource?.resourceType === 'Claim')!.resource as unknown as { item: Array<{ locationCodeableConcept: { coding: Array<{ code: string }> } }> };
    claim.item[1]!.locationCodeableConcept.coding[0]!.code = '00';
    const r = await build837p([b], { identity: identity(), destination: 'clearinghouse', allocate: counters(), now: NOW, today: TODAY });
    expect(r.value!.x12).to.equal(undefined);
    expect(at(r.value!.rejected[0]!.issues)).to.deep.equal(['CLAIM_EDIT@Bundle.entry[0].resource.item[1].locationCodeableConcept']);
  });

  it('a replacement carries CLM05-3 7 and REF*F8 with the payer\'s claim number; a void CLM05-3 8 (Claim.status cancelled)', async () => {
    const rep = readFileSync(golden('claim-replacement'), 'utf8');
    expect(rep).to.match(/CLM\*ENC-2026-000201\*165\*\*\*11:B:7\*Y\*A\*Y\*Y~\nREF\*F8\*2026153000123~\nREF\*EA\*MRN-100234~/);
    const voided = readFileSync(golden('claim-void'), 'utf8');
    expect(voided).to.match(/CLM\*ENC-2026-000201\*125\*\*\*11:B:8\*Y\*A\*Y\*Y~\nREF\*F8\*2026153000123~/);
    expect(readFileSync(golden('claim-single-line'), 'utf8')).to.contain('11:B:1*').and.not.contain('REF*F8');
    const e = parse837(voided).value!.encounters[0]!;
    expect([e.claimFrequency, e.payerClaimNumber]).to.deep.equal(['void', '2026153000123']);
  });

  it('a replacement without the payer\'s claim number is a claim edit and not batched; an 837P with CLM05-3 7 and no REF*F8 is invalid', async () => {
    const b = claimBundle('claim-replacement');
    const claim = b.entry!.find((e) => e.resource?.resourceType === 'Claim')!.resource as unknown as { related: Array<{ claim?: unknown }> };
    delete claim.related[0]!.claim;
    const r = await build837p([b], { identity: identity(), destination: 'clearinghouse', allocate: counters(), now: NOW, today: TODAY });
    expect(r.value!.x12).to.equal(undefined);
    expect(at(r.value!.rejected[0]!.issues)).to.deep.equal(['CLAIM_EDIT@Bundle.entry[0].resource.related[0].claim.identifier.value']);
    const text = readFileSync(golden('claim-replacement'), 'utf8').replace('REF*F8*2026153000123~\n', '');
    const fixed = text.replace(/SE\*(\d+)\*/, (_, n: string) => `SE*${Number(n) - 1}*`);
    expect(at(errorsOf(parse837(fixed).issues))).to.deep.equal(['X12_INVALID@2300.REF']);
  });

  it('one interchange for a batch: every claim under one 2000A, HL numbered in order', async () => {
    const r = await build(EXAMPLES_837);
    expect(errorsOf(r.issues)).to.deep.equal([]);
    expect(r.value!.claims.map((c) => c.claimId)).to.deep.equal(['ENC-2026-000201', 'ENC-2026-000202', 'ENC-2026-000203', 'ENC-2026-000124', 'ENC-2026-000205']);
    const parsed = parse837(r.value!.x12!);
    expect(errorsOf(parsed.issues)).to.deep.equal([]);
    expect(parsed.value!.encounters.map((e) => e.encounterId)).to.deep.equal(r.value!.claims.map((c) => c.claimId));
    expect(r.value!.x12!.match(/^HL\*/gm)).to.have.length(1 + EXAMPLES_837.length + 1);
  });

  it('claim edits run first: a claim failing them is not batched, the others are', async () => {
    const bad = claimBundle('claim-single-line');
    const claim = bad.entry!.find((e) => e.resource?.resourceType === 'Claim')!.resource as unknown as { item: Array<{ net: { value: number } }> };
    claim.item[0]!.net.value = -5;
    const r = await build837p([bad, claimBundle('claim-several-lines')], { identity: identity(), destination: 'clearinghouse', allocate: counters(), now: NOW, today: TODAY });
    expect(r.value!.claims.map((c) => c.claimId)).to.deep.equal(['ENC-2026-000202']);
    expect(r.value!.rejected).to.have.length(1);
    expect(r.value!.rejected[0]!.index).to.equal(0);
    expect(at(r.value!.rejected[0]!.issues)).to.include('CLAIM_EDIT@Bundle.entry[0].resource.item[0].net');
  });

  it('a claim whose billing provider is not the configured one is not batched, naming Claim.provider', async () => {
    const id = identity();
    id.provider.npi = '1234567893';
    const r = await build837p([claimBundle('claim-single-line')], { identity: id, destination: 'clearinghouse', allocate: counters(), now: NOW, today: TODAY });
    expect(r.value!.x12).to.equal(undefined);
    expect(at(r.value!.rejected[0]!.issues)).to.include('X12_INVALID@Claim.provider');
  });

  it('a value holding an X12 delimiter is refused naming the element, not altered', async () => {
    const b = claimBundle('claim-single-line');
    const patient = b.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource as unknown as { name: Array<{ family: string }> };
    patient.name[0]!.family = 'Test*person';
    const r = await build837p([b], { identity: identity(), destination: 'clearinghouse', allocate: counters(), now: NOW, today: TODAY });
    expect(r.value).to.equal(undefined);
    expect(at(r.issues), JSON.stringify(at(r.issues))).to.include('X12_INVALID@2010BA.NM1-03');
  });

  it('2010AB pay-to is sent only when the pay-to address differs from the billing provider\'s', async () => {
    const id = identity();
    const run = async () => (await build837p([claimBundle('claim-single-line')], { identity: id, destination: 'clearinghouse', allocate: counters(), now: NOW, today: TODAY })).value!.x12!;
    expect(await run()).not.to.contain('NM1*87');
    id.payTo = { address: { line: ['PO Box 4410'], city: 'Springfield', state: 'IL', postalCode: '627014410' } };
    expect(await run()).to.match(/NM1\*87\*2~\nN3\*PO Box 4410~\nN4\*Springfield\*IL\*627014410~\nHL\*2\*1\*22/);
    id.payTo = { address: { ...id.provider.address, line: [...id.provider.address.line] } };
    expect(await run()).not.to.contain('NM1*87');
  });

  it('an unknown clearinghouse has no billing identity: CONFIG_INVALID naming the key', async () => {
    const r = await build837p([claimBundle('claim-single-line')], { identity: identity(), destination: 'nowhere', allocate: counters(), now: NOW });
    expect(at(r.issues)).to.deep.equal(['CONFIG_INVALID@billing.clearinghouses.nowhere']);
  });
});
