import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parse837 } from '../../src/x12/837p/parse.js';
import { readDelimiters } from '../../src/x12/syntax.js';
import { at } from './helpers.js';

const text = () => readFileSync('examples/x12/claim-several-lines.837', 'utf8');
const lines = () => text().split('\n');

describe('x12: validation names loop, segment and element', () => {
  it('a charge that is not a number on the second service line: 2400[2].SV1-02', () => {
    const bad = text().replace('SV1*HC:87880*35.5*', 'SV1*HC:87880*35,50*');
    expect(at(parse837(bad).issues)).to.deep.equal(['X12_INVALID@2400[2].SV1-02']);
  });

  it('a diagnosis pointer on line 3 that is not a number: 2400[3].SV1-07-2', () => {
    const bad = text().replace('*3:1:2:4~', '*3:X:2:4~');
    expect(at(parse837(bad).issues)).to.deep.equal(['X12_INVALID@2400[3].SV1-07-2']);
  });

  it('a required segment missing: the first line without its DTP*472 date', () => {
    const l = lines();
    const i = l.findIndex((x) => x.startsWith('DTP*472'));
    l.splice(i, 1);
    const bad = l.join('\n').replace(/SE\*35\*/, 'SE*34*');
    const r = parse837(bad);
    expect(at(r.issues)).to.deep.equal(['X12_INVALID@2400[1].DTP']);
    expect(r.issues[0]!.diagnostics).to.match(/Loop 2400 has no DTP\*472/);
  });

  it('a code outside the guide\'s list: CLM-05-3 frequency 9', () => {
    const bad = text().replace('*11:B:1*', '*11:B:9*');
    expect(at(parse837(bad).issues)).to.deep.equal(['X12_INVALID@2300[1].CLM-05-3']);
  });

  it('a segment told apart by a code, with a code outside the list, is named at that element (not an unexpected segment)', () => {
    const bad = text().replace(/REF\*EI\*/, 'REF*XX*');
    expect(at(parse837(bad).issues)).to.deep.equal(['X12_INVALID@2010AA.REF-01']);
  });

  it('counts that do not match: SE-01, GE-01 and IEA-02 each named', () => {
    const bad = text().replace('SE*35*0001', 'SE*36*0001').replace('GE*1*', 'GE*2*').replace('IEA*1*000000001', 'IEA*1*000000009');
    const r = parse837(bad);
    expect(at(r.issues)).to.have.members(['X12_SYNTAX@ST[1].SE-01', 'X12_SYNTAX@GS[1].GE-01', 'X12_SYNTAX@IEA-02']);
    expect(r.issues.find((i) => i.expression![0] === 'ST[1].SE-01')!.diagnostics).to.equal('SE-01 says 36 segments; transaction set 0001 holds 35 (ST and SE included).');
  });

  it('a truncated ISA is one clear error, nothing else is read', () => {
    const r = parse837(text().slice(0, 60));
    expect(r.value).to.equal(undefined);
    expect(at(r.issues)).to.deep.equal(['X12_SYNTAX@ISA']);
    expect(r.issues[0]!.diagnostics).to.equal('The ISA is truncated: 60 characters where an ISA has 106.');
  });

  it('wrong delimiters: a component separator equal to the element separator breaks the ISA', () => {
    const t = text();
    const bad = `${t.slice(0, 104)}*${t.slice(105)}`;
    const r = parse837(bad);
    expect(r.value).to.equal(undefined);
    expect(at(r.issues)).to.deep.equal(['X12_SYNTAX@ISA']);
    expect(r.issues[0]!.diagnostics).to.match(/holds 17 elements separated by "\*"/);
  });

  it('wrong delimiters: a file whose segments use another element separator than its ISA declares', () => {
    const t = text();
    const bad = t.slice(0, 106) + t.slice(106).replace(/\*/g, '|');
    const r = parse837(bad);
    expect(r.issues.every((i) => i.expression![0]!.startsWith('segment') || /^(IEA|GS|ST)/.test(i.expression![0]!))).to.equal(true);
    expect(r.issues[0]!.diagnostics).to.match(/no valid segment id .*element separator is "\*"/);
  });

  it('a letter as a delimiter is refused naming ISA-16', () => {
    const t = text();
    expect(at(readDelimiters(`${t.slice(0, 104)}A~`).issues)).to.deep.equal(['X12_SYNTAX@ISA-16']);
  });

  it('an interchange cut short: no terminator, no SE/GE/IEA, each named', () => {
    const t = text();
    const r = parse837(t.slice(0, t.indexOf('LX*3')) + 'LX*3');
    expect(at(r.issues)).to.include.members(['X12_SYNTAX@segment 31', 'X12_SYNTAX@IEA', 'X12_SYNTAX@GS[1].GE']);
  });
});
