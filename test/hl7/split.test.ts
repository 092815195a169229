import { expect } from 'chai';
import fc from 'fast-check';
import { splitOn } from '../../src/hl7/split.js';

describe('hl7 splitOn (String.prototype.split by indexOf)', () => {
  it('gives what String.prototype.split gives, for one- and two-character separators (2,000 runs)', () => {
    const ch = fc.constantFrom('a', 'B', '1', ' ', '^', '~', '\\', '&', '|', '#', '\r', 'é', '😀');
    fc.assert(fc.property(fc.array(ch, { maxLength: 30 }).map((cs) => cs.join('')), fc.constantFrom('^', '~', '&', '|', '\\', '#', '\r', '^~', 'é'), (s, sep) => {
      expect(splitOn(s, sep)).to.deep.equal(s.split(sep));
    }), { numRuns: 2000 });
  });

  it('keeps empty parts: leading, repeated and trailing separators, and the empty string', () => {
    expect(splitOn('', '^')).to.deep.equal(['']);
    expect(splitOn('^', '^')).to.deep.equal(['', '']);
    expect(splitOn('^a^^b^', '^')).to.deep.equal(['', 'a', '', 'b', '']);
    expect(splitOn('abc', '^')).to.deep.equal(['abc']);
    expect(splitOn('abc', '')).to.deep.equal(['a', 'b', 'c']);
  });
});
