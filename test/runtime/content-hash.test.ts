import { expect } from 'chai';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { contentHash } from '../../src/runtime/intake-header.js';

/** The documented normalisation, written as plainly as possible: \r\n and \n read as \r, trailing \r and whitespace dropped. */
const reference = (raw: string) => createHash('sha256').update(raw.replace(/\r\n|\n/g, '\r').replace(/[\r\s]+$/, '')).digest('hex');

describe('contentHash (duplicate detection)', () => {
  it('is the SHA-256 of the text with line ends normalised and trailing whitespace dropped (2,000 runs)', () => {
    const piece = fc.constantFrom('MSH|^~\\&|', 'PID|1', 'a', '\r', '\n', '\r\n', ' ', '\t', '\u000b', '\u00a0', '\u2028', '\ufeff', '\u3000', 'é');
    fc.assert(fc.property(fc.array(piece, { maxLength: 30 }).map((a) => a.join('')), (s) => contentHash(s) === reference(s)), { numRuns: 2000 });
  });

  it('reads a resend with other line ends or trailing blanks as the same content, and other content as different', () => {
    const a = 'MSH|^~\\&|A|B|||20240101||ADT^A04|1|P|2.5.1\rPID|1||X\r';
    expect(contentHash(a.replace(/\r/g, '\r\n'))).to.equal(contentHash(a));
    expect(contentHash(a.replace(/\r/g, '\n') + '\n \n')).to.equal(contentHash(a));
    expect(contentHash(a.replace('|X', '|Y'))).to.not.equal(contentHash(a));
  });
});
