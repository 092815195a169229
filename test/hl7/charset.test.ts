import { expect } from 'chai';
import fc from 'fast-check';
import { charsetOf, declaredCharset, decodeHl7, encodeHl7 } from '../../src/hl7/charset.js';
import { errorCodeOf } from '../../src/domain/issues.js';

/** A header with MSH-18 set (fields: MSH-2 ... MSH-18), then a PID with the name given as bytes. */
function msg(msh18: string, name: Buffer): Buffer {
  const msh = `MSH|^~\\&|S|F|R|F|20240301083000||ADT^A04^ADT_A01|C1|P|2.5.1|||AL|NE|USA|${msh18}\r`;
  return Buffer.concat([Buffer.from(msh, 'latin1'), Buffer.from('PID|1||M1^^^F^MR||', 'latin1'), name, Buffer.from('^Alex\r', 'latin1')]);
}

/** declaredCharset as it was written first (the MSH line as text, split into its fields): the reference for the byte scan (#17). */
function declaredByFields(bytes: Buffer): string {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  if (bytes.length < start + 8 || bytes.toString('latin1', start, start + 3) !== 'MSH') return '';
  const fieldSep = bytes[start + 3]!;
  let end = bytes.indexOf(0x0d, start);
  const lf = bytes.indexOf(0x0a, start);
  if (end < 0 || (lf >= 0 && lf < end)) end = lf;
  if (end < 0) end = bytes.length;
  const fields = bytes.toString('latin1', start, end).split(String.fromCharCode(fieldSep));
  const repetition = (fields[1] ?? '')[1] ?? '~';
  return ((fields[17] ?? '').split(repetition)[0] ?? '').trim();
}

describe('hl7: MSH-18 character sets', () => {
  it('reads MSH-18 from the bytes as the MSH line split into fields does (5,000 generated headers)', () => {
    // Headers of 0-22 fields (so MSH-18 is there in about a quarter), each of a few pieces: other
    // separators, spaces (NBSP too), line ends, non-ASCII, charset names.
    const piece = fc.constantFrom('^', '~', '&', '#', ':', 'A', 'UNICODE UTF-8', '8859/1', ' ', '\u00a0', '\r', '\n', 'é', '\ufeff', 'MSH', '|');
    const field = fc.array(piece, { maxLength: 4 }).map((p) => p.join(''));
    const head = fc.constantFrom(['MSH|^~\\&', '|'], ['MSH#:@\\!', '#'], ['MSH|^', '|'], ['MSH|', '|'], ['\ufeffMSH|^~\\&', '|'], ['MSX|^~\\&', '|'], ['MSH', '|']);
    const text = fc.tuple(head, fc.array(field, { maxLength: 22 })).map(([[h, sep], f]) => `${h}${sep}${f.join(sep)}`);
    fc.assert(fc.property(text, fc.constantFrom<BufferEncoding>('latin1', 'utf8'), (t, enc) => {
      const b = Buffer.from(t, enc);
      return declaredCharset(b) === declaredByFields(b);
    }), { numRuns: 5000 });
    for (const cs of ['8859/1', 'UNICODE UTF-8~ISO IR87', ' ASCII ', '', '8859/15^x']) expect(declaredCharset(msg(cs, Buffer.from('X')))).to.equal(declaredByFields(msg(cs, Buffer.from('X'))));
  });

  it('reads MSH-18 from the bytes (first repetition), and knows the table 0211 spellings', () => {
    expect(declaredCharset(msg('8859/1', Buffer.from('X')))).to.equal('8859/1');
    expect(declaredCharset(msg('UNICODE UTF-8~ISO IR87', Buffer.from('X')))).to.equal('UNICODE UTF-8');
    expect(declaredCharset(Buffer.from('MSH|^~\\&|S\rPID|1\r'))).to.equal('');
    expect(declaredCharset(Buffer.from('not hl7'))).to.equal('');
    expect(charsetOf('unicode utf-8')).to.equal('UNICODE UTF-8');
    expect(charsetOf('ISO IR87')).to.equal(undefined);
  });

  it('8859/1: é (0xE9) is read as é, with no warning', () => {
    const d = decodeHl7(msg('8859/1', Buffer.from([0x42, 0xe9, 0x72, 0x61]))); // 'Béra'
    expect(d.text).to.contain('PID|1||M1^^^F^MR||Béra^Alex');
    expect(d.charset).to.equal('8859/1');
    expect(d.issues).to.deep.equal([]);
  });

  it('8859/15: the euro sign and Š differ from 8859/1 and are read right', () => {
    const d = decodeHl7(msg('8859/15', Buffer.from([0xa6, 0x74, 0x65, 0x66, 0x61, 0x6e, 0xa4]))); // 'Štefan€'
    expect(d.text).to.contain('||Štefan€^Alex');
    expect(d.issues).to.deep.equal([]);
  });

  it('UNICODE UTF-8: multi-byte characters are read as such', () => {
    const d = decodeHl7(msg('UNICODE UTF-8', Buffer.from('Zoë Łukasz 😀', 'utf8')));
    expect(d.text).to.contain('||Zoë Łukasz 😀^Alex');
    expect(d.issues).to.deep.equal([]);
  });

  it('UTF-8 declared but Latin-1 bytes sent: a warning naming MSH-18 and the byte, é kept, never U+FFFD', () => {
    const d = decodeHl7(msg('UNICODE UTF-8', Buffer.from([0x42, 0xe9, 0x72, 0x61])));
    expect(d.text).to.contain('||Béra^Alex');
    expect(d.text).not.to.contain('\uFFFD');
    expect(d.issues).to.have.length(1);
    expect(errorCodeOf(d.issues[0]!)).to.equal('HL7_CHARSET');
    expect(d.issues[0]!.severity).to.equal('warning');
    expect(d.issues[0]!.expression).to.deep.equal(['MSH.18']);
    expect(d.issues[0]!.diagnostics).to.match(/0xE9/);
  });

  it('ASCII declared with a byte above 0x7F: a warning naming MSH-18, the byte read as 8859-1', () => {
    const d = decodeHl7(msg('ASCII', Buffer.from([0x42, 0xe9])));
    expect(d.text).to.contain('||Bé^Alex');
    expect(d.issues.map((i) => [errorCodeOf(i), i.severity, i.expression?.[0]])).to.deep.equal([['HL7_CHARSET', 'warning', 'MSH.18']]);
  });

  it('an empty MSH-18 takes the channel default encoding', () => {
    const bytes = msg('', Buffer.from([0x42, 0xe9, 0x72, 0x61]));
    expect(decodeHl7(bytes, '8859/1')).to.include({ charset: '8859/1' });
    expect(decodeHl7(bytes, '8859/1').text).to.contain('||Béra^Alex');
    expect(decodeHl7(bytes, '8859/1').issues).to.deep.equal([]);
    // The default default is UTF-8: the Latin-1 byte is then a warning, not a silent U+FFFD.
    expect(decodeHl7(bytes).issues.map((i) => i.expression?.[0])).to.deep.equal(['MSH.18']);
  });

  it('an unsupported MSH-18: a warning when the message is plain ASCII, an error naming MSH-18 when it is not', () => {
    const ascii = decodeHl7(msg('ISO IR87', Buffer.from('Kato')));
    expect(ascii.issues.map((i) => [i.severity, i.expression?.[0]])).to.deep.equal([['warning', 'MSH.18']]);
    const jis = decodeHl7(msg('ISO IR87', Buffer.from([0x1b, 0x24, 0x42, 0xb2, 0xc3])));
    expect(jis.issues.map((i) => [i.severity, i.expression?.[0]])).to.deep.equal([['error', 'MSH.18']]);
  });

  it('encodes back in the sender set: round trip of every 8859/1 and 8859/15 byte, ? for what the set cannot hold', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    for (const cs of ['8859/1', '8859/15'] as const) {
      const head = Buffer.from(`MSH|^~\\&${'|'.repeat(16)}${cs}\r`);
      expect(declaredCharset(head)).to.equal(cs);
      const d = decodeHl7(Buffer.concat([head, all]));
      expect(d.issues, cs).to.deep.equal([]);
      expect(encodeHl7(d.text, cs).equals(Buffer.concat([head, all])), cs).to.equal(true);
    }
    expect(encodeHl7('€é', 'ASCII').toString('latin1')).to.equal('??');
    expect(encodeHl7('€', '8859/1').toString('latin1')).to.equal('?');
    expect(encodeHl7('é', 'UNICODE UTF-8')).to.deep.equal(Buffer.from('é', 'utf8'));
  });
});
