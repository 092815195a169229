/**
 * Parser behaviour where the `hl7v2` package is known to be wrong (negative UTC offsets, `\n`
 * segment ends), plus delimiters, escapes and exact round trips.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { parseHl7, createMessage } from '../../src/hl7/message.js';
import { escapeHl7, unescapeHl7 } from '../../src/hl7/escape.js';
import { DEFAULT_DELIMITERS } from '../../src/hl7/delimiters.js';
import { errorCodeOf } from '../../src/domain/issues.js';

const LINES = [
  'MSH|^~\\&|REG|CLINIC|EHR|HOSP|20240301083000-0500||ADT^A04^ADT_A01|MSG0001|P|2.5.1',
  'EVN|A04|20240301083000-0830',
  'PID|1||MRN001^^^CLINIC^MR||Testpatient^Alex||19800215|F',
  'ZPI|1|custom^data~more',
];

describe('hl7/parser: defects of the hl7v2 package, delimiters, escapes', () => {
  it('keeps a negative UTC offset in reads and in the serialized text', () => {
    const m = parseHl7(LINES.join('\r')).value!;
    expect(m.msh.get(7)).to.equal('20240301083000-0500');
    expect(m.segment('EVN')!.get(2)).to.equal('20240301083000-0830');
    expect(m.toString()).to.contain('|20240301083000-0500|').and.to.contain('|20240301083000-0830');
  });

  it('reads segments ending in \\n, \\r\\n, \\r, mixed, with blank lines, a BOM and leading whitespace', () => {
    for (const text of [LINES.join('\n'), LINES.join('\r\n') + '\r\n', LINES.join('\r') + '\r', `\uFEFF \r\n${LINES.join('\r\n\r\n')}\n\n`,
      `${LINES[0]}\r${LINES[1]}\n${LINES[2]}\r\n${LINES[3]}`]) {
      const r = parseHl7(text);
      expect(r.issues).to.deep.equal([]);
      expect(r.value!.segments.map((s) => s.name)).to.deep.equal(['MSH', 'EVN', 'PID', 'ZPI']);
      expect(r.value!.toString()).to.equal(LINES.join('\r') + '\r');
    }
  });

  it('honours custom MSH-1/MSH-2 delimiters and round-trips them', () => {
    const text = 'MSH*$#!%*A*B*C*D*20240301083000-0500**ADT$A04*1*P*2.5.1\rPID*1**M1$$$C$MR#M2$$$SSA$SS**Doe$Jo%x*19800215\r';
    const m = parseHl7(text).value!;
    const pid = m.segment('PID')!;
    expect(m.delimiters).to.deep.equal({ field: '*', component: '$', repetition: '#', escape: '!', subcomponent: '%', truncation: '' });
    expect(pid.get(3, 5, 1, 2)).to.equal('SS');
    expect(pid.get(5, 2, 2)).to.equal('x');
    expect(m.msh.get(1)).to.equal('*');
    expect(m.msh.get(2)).to.equal('$#!%');
    expect(m.messageType).to.equal('ADT^A04');
    expect(m.toString()).to.equal(text);
  });

  it('reads a fifth encoding character (v2.7 truncation) and keeps it in MSH-2', () => {
    const text = 'MSH|^~\\&#|A|B|||20240301||ADT^A04|1|P|2.7\rNTE|1||cut here\\P\\ and 50\\P\\\r';
    const m = parseHl7(text).value!;
    expect(m.delimiters.truncation).to.equal('#');
    expect(m.msh.get(2)).to.equal('^~\\&#');
    expect(m.segment('NTE')!.get(3)).to.equal('cut here# and 50#');
    expect(m.toString()).to.equal(text);
    const built = createMessage({ 3: 'A' }, m.delimiters);
    built.add('NTE', { 3: 'a#b' });
    expect(built.toString()).to.equal('MSH|^~\\&#|A\rNTE|||a\\P\\b\r');
  });

  it('unescapes each escape sequence and hex data, keeps unknown ones as sent', () => {
    const d = DEFAULT_DELIMITERS;
    expect(unescapeHl7('\\F\\\\S\\\\T\\\\R\\\\E\\', d)).to.equal('|^&~\\');
    expect(unescapeHl7('A\\X41\\B \\X0D0A\\', d)).to.equal('AAB \r\n');
    expect(unescapeHl7('caf\\XC3A9\\', d)).to.equal('café');
    expect(unescapeHl7('line1\\.br\\line2', d)).to.equal('line1\nline2');
    expect(unescapeHl7('\\H\\bold\\N\\', d)).to.equal('bold');
    expect(unescapeHl7('\\Zcustom\\ \\.sp2\\ \\C2842\\', d)).to.equal('\\Zcustom\\ \\.sp2\\ \\C2842\\');
    expect(unescapeHl7('unterminated \\F', d)).to.equal('unterminated \\F');
  });

  it('escape then unescape gives back any text', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', 'Z', '1', ' ', '|', '^', '~', '\\', '&', 'é', '#') }), (s) => {
      expect(unescapeHl7(escapeHl7(s, DEFAULT_DELIMITERS), DEFAULT_DELIMITERS)).to.equal(s);
    }), { numRuns: 500 });
  });

  it('values written with the builder read back exactly after a parse', () => {
    fc.assert(fc.property(fc.array(fc.string({ unit: fc.constantFrom('x', '7', ' ', '|', '^', '~', '\\', '&', '-') }), { minLength: 1, maxLength: 4 }), (vals) => {
      const m = createMessage({ 3: 'FD', 9: ['ADT', 'A08'], 12: '2.5.1' });
      m.add('PID', { 5: vals });
      const back = parseHl7(m.toString()).value!.segment('PID')!;
      vals.forEach((v, i) => expect(back.get(5, i + 1)).to.equal(v));
    }), { numRuns: 300 });
  });

  it('reads any leaf of a short field (forward scan) exactly as the split-based reading does', () => {
    const reference = (f: string, c: number, sub: number, r: number): string => {
      const rep = f.split('~')[r - 1];
      const comp = rep?.split('^')[c - 1];
      return unescapeHl7(comp?.split('&')[sub - 1] ?? '', DEFAULT_DELIMITERS);
    };
    const field = fc.string({ unit: fc.constantFrom('a', '1', '~', '^', '&', '\\', 'F', ' '), maxLength: 40 });
    const idx = fc.integer({ min: 1, max: 4 });
    fc.assert(fc.property(field, idx, idx, idx, (f, c, sub, r) => {
      const seg = parseHl7(`MSH|^~\\&|A\rZZZ|${f}`).value!.segment('ZZZ')!;
      expect(seg.get(1, c, sub, r)).to.equal(f === '' ? '' : reference(f, c, sub, r));
    }), { numRuns: 2000 });
    // Long fields take the split path: same answers.
    const long = 'x'.repeat(3000);
    const seg = parseHl7(`MSH|^~\\&|A\rOBX|1|ED|||A^B^C^Base64^${long}~R2^S&T`).value!.segment('OBX')!;
    expect(seg.get(5, 5)).to.equal(long);
    expect(seg.get(5, 2, 2, 2)).to.equal('T');
    expect(seg.get(5, 6)).to.equal('');
  });

  it('keeps Z-segments and every field exactly as sent, trailing delimiters included', () => {
    const text = 'MSH|^~\\&|A|||||||\rZPI|1|a^^|~||\rPID|||||||\r';
    const m = parseHl7(text).value!;
    expect(m.toString()).to.equal(text);
    expect(m.segment('ZPI')!.raw(2)).to.equal('a^^');
    expect(m.segment('ZPI')!.repetitionCount(3)).to.equal(2);
  });

  it('reports, never throws, on unreadable headers', () => {
    expect(errorCodeOf(parseHl7('').issues[0]!)).to.equal('HL7_NOT_MSH');
    expect(errorCodeOf(parseHl7('MSHX^~\\&|').issues[0]!)).to.equal('HL7_DELIMITERS');
    expect(errorCodeOf(parseHl7('MSH|^~\\&^%|').issues[0]!)).to.equal('HL7_DELIMITERS');
    expect(errorCodeOf(parseHl7('MSH|^~\\&#%|').issues[0]!)).to.equal('HL7_DELIMITERS');
    fc.assert(fc.property(fc.string(), (s) => {
      expect(() => parseHl7('MSH' + s)).not.to.throw();
    }), { numRuns: 300 });
  });
});
