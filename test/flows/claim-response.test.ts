import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { ClaimResponse } from 'fhir/r4.js';
import { claimResponseToBillingStatus } from '../../src/flows/claim-response.js';
import { validateOfficeRecord, validateResource } from '../../src/validation/index.js';
import { at, copy, errorsOf } from '../support/billing.js';

const cr = (name: string): ClaimResponse => JSON.parse(readFileSync(`examples/fhir/claimresponse-${name}.json`, 'utf8')) as ClaimResponse;
const office = (name: string) => JSON.parse(readFileSync(`examples/office/billing-status-${name}.json`, 'utf8')) as Record<string, unknown>;

describe('billing: ClaimResponse -> office billing status', () => {
  for (const name of ['accepted', 'partial', 'rejected']) {
    it(`${name}: the ClaimResponse is valid R4 and gives the example billing status, which passes its schema`, () => {
      expect(at(errorsOf(validateResource(cr(name))))).to.deep.equal([]);
      const s = claimResponseToBillingStatus(cr(name));
      expect(s.issues).to.deep.equal([]);
      expect(s.value).to.deep.equal(office(name));
      expect(errorsOf(validateOfficeRecord(s.value))).to.deep.equal([]);
    });
  }

  it('accepted: paid amount from payment.amount, each line with its benefit', () => {
    const s = claimResponseToBillingStatus(cr('accepted')).value!;
    expect(s.status).to.equal('accepted');
    expect(s.encounterId).to.equal('ENC-2026-000123');
    expect(s.paidAmount).to.equal(101.2);
    expect(s.lines.map((l) => [l.line, l.status, l.paid])).to.deep.equal([[1, 'accepted', 78.8], [2, 'accepted', 22.4]]);
  });

  it('partially rejected: the denied line carries the payer reason (CARC)', () => {
    const s = claimResponseToBillingStatus(cr('partial')).value!;
    expect(s.status).to.equal('partially-rejected');
    expect(s.paidAmount).to.equal(78.8);
    expect(s.lines[1]).to.deep.include({ line: 2, status: 'rejected', paid: 0 });
    expect(s.lines[1]!.reasons[0]!.code).to.equal('97');
  });

  it('rejected: claim-level and per-line reasons, nothing paid', () => {
    const s = claimResponseToBillingStatus(cr('rejected')).value!;
    expect(s.status).to.equal('rejected');
    expect(s.paidAmount).to.equal(0);
    expect(s.reasons.map((r) => r.code)).to.deep.equal(['562']);
    expect(s.lines.map((l) => [l.line, l.status, l.reasons.map((r) => r.code)])).to.deep.equal([[1, 'rejected', ['254']], [2, 'rejected', ['454']]]);
  });

  it('queued is pending; paid amount falls back to the benefit total, then to the line benefits', () => {
    const q = copy(cr('accepted'));
    q.outcome = 'queued';
    expect(claimResponseToBillingStatus(q).value!.status).to.equal('pending');
    const noPayment = copy(cr('accepted'));
    delete noPayment.payment;
    expect(claimResponseToBillingStatus(noPayment).value!.paidAmount).to.equal(101.2);
    delete noPayment.total;
    expect(claimResponseToBillingStatus(noPayment).value!.paidAmount).to.equal(101.2);
  });

  it('bad input: no request identifier, no outcome, not a ClaimResponse: issues, no crash', () => {
    const bare = { resourceType: 'ClaimResponse' } as ClaimResponse;
    const s = claimResponseToBillingStatus(bare);
    expect(at(s.issues)).to.deep.equal(['MAP_MISSING@ClaimResponse.request', 'MAP_MISSING@ClaimResponse.outcome']);
    expect(s.value!.status).to.equal('pending');
    expect(at(claimResponseToBillingStatus({ resourceType: 'Claim' } as unknown as ClaimResponse).issues)).to.deep.equal(['FHIR_RESOURCE_TYPE@resourceType']);
    expect(() => claimResponseToBillingStatus(null as unknown as ClaimResponse)).to.not.throw();
  });
});
