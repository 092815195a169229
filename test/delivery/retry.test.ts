import { expect } from 'chai';
import fc from 'fast-check';
import { classifyAckCode, classifyHttpStatus, classifyNetworkError, decideRetry, parseRetryAfter } from '../../src/delivery/retry.js';
import { failed } from '../../src/delivery/outcome.js';

const NOW = new Date('2026-03-02T10:00:00.000Z');
const policy = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000, jitter: 0.5 };

describe('delivery/retry: policy by error code', () => {
  it('classifies HTTP statuses', () => {
    expect([200, 201, 408, 425, 429, 500, 502, 503, 400, 401, 404, 409, 412, 422].map(classifyHttpStatus)).to.deep.equal([
      undefined, undefined, 'DELIVERY_TRANSIENT', 'DELIVERY_TRANSIENT', 'DELIVERY_TRANSIENT', 'DELIVERY_TRANSIENT', 'DELIVERY_TRANSIENT',
      'DELIVERY_TRANSIENT', 'DELIVERY_REJECTED', 'DELIVERY_REJECTED', 'DELIVERY_REJECTED', 'DELIVERY_REJECTED', 'PRECONDITION_FAILED', 'DELIVERY_REJECTED',
    ]);
  });

  it('classifies socket error codes and ACK codes (table 0008)', () => {
    expect(['ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'ECONNABORTED', 'EAI_AGAIN', 'CERT_HAS_EXPIRED', 'ERR_BAD_RESPONSE', 'EWHATEVER', undefined].map(classifyNetworkError))
      .to.deep.equal(['DELIVERY_TRANSIENT', 'DELIVERY_TRANSIENT', 'DELIVERY_TRANSIENT', 'DELIVERY_TRANSIENT', 'DELIVERY_TRANSIENT', 'DELIVERY_TRANSIENT', 'TOO_LARGE', 'INTERNAL', 'INTERNAL']);
    expect(['AA', 'CA', 'AE', 'AR', 'CE', 'CR', ''].map(classifyAckCode)).to.deep.equal([undefined, undefined, 'DELIVERY_REJECTED', 'DELIVERY_REJECTED', 'DELIVERY_TRANSIENT', 'DELIVERY_REJECTED', 'DELIVERY_REJECTED']);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('120', NOW)).to.equal(120_000);
    expect(parseRetryAfter('Mon, 02 Mar 2026 10:01:00 GMT', NOW)).to.equal(60_000);
    expect(parseRetryAfter('soon', NOW)).to.equal(undefined);
    expect(parseRetryAfter(undefined, NOW)).to.equal(undefined);
  });

  it('sends permanent failures to dead letter at once, whatever the text says', () => {
    expect(decideRetry(failed('DELIVERY_REJECTED', 'timeout, please retry'), 1, policy, NOW).action).to.equal('dead');
    expect(decideRetry(failed('DELIVERY_TRANSIENT', 'rejected'), 1, policy, NOW).action).to.equal('retry');
  });

  it('backs off exponentially within the jitter band, capped, and stops at maxAttempts', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
      const d = decideRetry(failed('DELIVERY_TRANSIENT', 'x'), attempt, policy, NOW, () => r);
      if (attempt >= policy.maxAttempts) return d.action === 'dead';
      if (d.action !== 'retry') return false;
      const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delay = d.at.getTime() - NOW.getTime();
      return delay >= Math.floor(exp * 0.5) && delay <= exp;
    }));
  });

  it('honours a longer Retry-After, bounded to a day', () => {
    const d = decideRetry(failed('DELIVERY_TRANSIENT', '429', { retryAfterMs: 300_000 }), 1, policy, NOW, () => 0);
    expect(d).to.deep.equal({ action: 'retry', at: new Date(NOW.getTime() + 300_000) });
    const far = decideRetry(failed('DELIVERY_TRANSIENT', '429', { retryAfterMs: 365 * 86_400_000 }), 1, policy, NOW, () => 0);
    expect(far.action === 'retry' && far.at.getTime() - NOW.getTime()).to.equal(86_400_000);
  });
});
