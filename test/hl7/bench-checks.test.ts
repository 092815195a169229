/**
 * The benchmark's HL7v2 correctness checks (bench/hl7-checks.ts) through our parser's adapter:
 * the table claims 6/6 for Frontdesk, so that claim is a test. Peers are scored by the bench, not here.
 */
import { expect } from 'chai';
import { CHECKS, runChecks } from '../../bench/hl7-checks.js';
import { loadParser } from '../../bench/hl7-parsers.js';

describe('hl7/bench checks: Frontdesk passes every correctness check of the benchmark', () => {
  it(`passes all ${CHECKS.length} (escapes, repetitions, offsets, \\n ends, custom delimiters, Z-segments)`, async () => {
    const r = runChecks(await loadParser('Frontdesk'));
    expect(r.failed).to.deep.equal([]);
    expect(r.passed).to.have.length(CHECKS.length);
  });

  it('the checks can fail: the hl7v2 package fails the negative-offset and \\n checks', async () => {
    const r = runChecks(await loadParser('hl7v2'));
    expect(r.failed).to.include('timezone offsets').and.to.include('\\n segment ends');
  });
});
