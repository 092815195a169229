import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { checkConfig } from '../../src/config.js';
import { parseHl7 } from '../../src/hl7/message.js';
import { dftToClaim } from '../../src/flows/billing/flow.js';
import { billingConverter } from '../../src/flows/billing/index.js';
import { emptyLookup, officeOf } from '../../src/flows/types.js';
import { errorCodeOf, hasErrors, type Issue } from '../../src/domain/issues.js';
import { defaultBillingProvider } from '../../src/billing/identity.js';

const CONFIG = JSON.parse(readFileSync('examples/config/gateway.json', 'utf8')) as Record<string, any>;
const copy = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const at = (issues: Issue[]): string[] => issues.map((i) => `${errorCodeOf(i)}@${i.expression?.join(',')}`);
const check = (c: unknown) => checkConfig(c, '/tmp', {});

/** The example DFT with FT1-32 (billing provider) emptied on every FT1, as most practice systems send it. */
function dftWithoutBillingProvider(): string {
  return readFileSync('examples/hl7v2/billing/dft-p03-office-visit.hl7', 'utf8').split('\r').map((s) => {
    if (!s.startsWith('FT1|')) return s;
    const f = s.split('|');
    if (f.length > 32) f[32] = '';
    return f.join('|');
  }).join('\r');
}

describe('x12: the practice billing identity in the configuration', () => {
  it('the example configuration carries a billing identity that passes the start-up check', () => {
    const r = check(CONFIG);
    expect(r.issues).to.deep.equal([]);
    expect(r.value!.billing!.provider.npi).to.equal('1040000014');
    expect(r.value!.billing!.clearinghouses.clearinghouse!.isa.receiverId).to.equal('CHSAMPLE');
    expect(r.value!.billing!.usage).to.equal('T');
  });

  it('names every bad key: NPI check digit, 5-digit ZIP, unknown qualifier, undeclared clearinghouse, usage', () => {
    const c = copy(CONFIG);
    c.billing.provider.npi = '1040000015';
    c.billing.provider.address.postalCode = '62701';
    c.billing.clearinghouses.clearinghouse.isa.senderQualifier = 'XX';
    c.billing.clearinghouses.nowhere = c.billing.clearinghouses.clearinghouse;
    c.billing.usage = 'X';
    const r = check(c);
    expect(r.value).to.equal(undefined);
    const where = at(r.issues);
    expect(where).to.include('CONFIG_INVALID@billing.provider.npi');
    expect(where).to.include('CONFIG_INVALID@billing.provider.address.postalCode');
    expect(where).to.include('CONFIG_INVALID@billing.clearinghouses.clearinghouse.isa.senderQualifier');
    expect(where).to.include('CONFIG_INVALID@billing.clearinghouses.nowhere');
    expect(where).to.include('CONFIG_INVALID@billing.usage');
  });

  it('rejects an X12 delimiter inside an id (it would break the interchange)', () => {
    const c = copy(CONFIG);
    c.billing.clearinghouses.clearinghouse.gs.senderCode = 'AB*CD';
    expect(at(check(c).issues)).to.deep.equal(['CONFIG_INVALID@billing.clearinghouses.clearinghouse.gs.senderCode']);
  });

  it('a configuration without billing is still valid (the section is optional)', () => {
    const c = copy(CONFIG);
    delete c.billing;
    expect(check(c).issues).to.deep.equal([]);
  });
});

describe('x12: a claim without a billing provider takes the configured one', () => {
  const billingProvider = defaultBillingProvider(check(CONFIG).value!.billing)!;
  const ctx = { timezone: 'America/New_York', today: '2026-06-01' };

  it('a DFT^P03 with FT1-32 empty is rejected naming FT1.32 when no billing identity is configured', () => {
    const r = dftToClaim(parseHl7(dftWithoutBillingProvider()).value!, ctx);
    expect(r.value).to.equal(undefined);
    const edit = r.issues.find((i) => errorCodeOf(i) === 'CLAIM_EDIT')!;
    expect(edit.expression).to.deep.equal(['FT1.32']);
    expect(edit.diagnostics).to.match(/no billing provider NPI.*billing\.provider/);
  });

  it('the same DFT passes the claim edits with the configured billing provider, and says so', () => {
    const r = dftToClaim(parseHl7(dftWithoutBillingProvider()).value!, { ...ctx, billingProvider });
    expect(hasErrors(r.issues), JSON.stringify(r.issues)).to.equal(false);
    expect(r.value!.encounter.billingProviderNpi).to.equal('1040000014');
    expect(r.value!.encounter.billingProviderName).to.equal('Sample Family Practice');
    expect(at(r.issues)).to.include('MAP_INFO@FT1.32');
  });

  it('a DFT that names its billing provider keeps it', () => {
    const text = readFileSync('examples/hl7v2/billing/dft-p03-office-visit.hl7', 'utf8');
    const r = dftToClaim(parseHl7(text).value!, { ...ctx, billingProvider: { npi: '1234567893', name: 'Other' } });
    expect(r.value!.encounter.billingProviderNpi).to.equal('1040000014');
    expect(at(r.issues)).not.to.include('MAP_INFO@FT1.32');
  });

  it('an office billing record without billingProviderNpi converts with the configured provider', () => {
    const rec = JSON.parse(readFileSync('examples/office/billing-encounter-office-visit.json', 'utf8'));
    delete rec.billingProviderNpi;
    delete rec.billingProviderName;
    const without = billingConverter.convert({ kind: 'office', recordType: 'billing-encounter', record: rec }, 'office', { timezone: 'UTC', lookup: emptyLookup });
    expect(without.value).to.equal(undefined);
    const r = billingConverter.convert({ kind: 'office', recordType: 'billing-encounter', record: rec }, 'office', { timezone: 'UTC', lookup: emptyLookup, billingProvider });
    expect(hasErrors(r.issues), JSON.stringify(r.issues)).to.equal(false);
    expect(officeOf(r.value)?.[0]).to.include({ recordType: 'billing-encounter', billingProviderNpi: '1040000014' });
    expect(at(r.issues)).to.include('MAP_INFO@billingProviderNpi');
  });
});
