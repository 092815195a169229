/**
 * MSH-18 character sets (HL7 table 0211): reading the bytes a sender sent into text, and writing
 * our answer back in the sender's encoding. Bytes only in, text out; never throws.
 *
 * Supported: ASCII, 8859/1 (ISO 8859-1), 8859/15 (ISO 8859-15) and UNICODE UTF-8. An empty MSH-18
 * means the channel's default encoding (`channels[].encoding`, checked at start; UTF-8 when not
 * configured: it reads ASCII unchanged). MSH-18 may repeat (v2.3+: the first repetition is the
 * default set, later ones are alternates switched by escape sequences); only the first is read.
 *
 * Nothing is ever decoded to a silent U+FFFD: a byte that is not valid in the declared set is read
 * as ISO 8859-1 (every byte is a character there, so no byte is lost) and reported as a warning
 * naming MSH-18. A declared set we do not support is read with the channel default; if the message
 * holds non-ASCII bytes that reading may change its meaning, so it is an error naming MSH-18.
 * The raw bytes are kept by the store either way (messages.raw_bytes).
 */
import { issue, type Issue } from '../domain/issues.js';

/** The table 0211 values we decode, spelled as HL7 spells them. */
export const CHARSETS = ['ASCII', '8859/1', '8859/15', 'UNICODE UTF-8'] as const;
export type Charset = (typeof CHARSETS)[number];

/** Spellings seen in the field for the same sets (case-insensitive); the canonical name is HL7's. */
const ALIASES: Record<string, Charset> = {
  'ASCII': 'ASCII',
  'US-ASCII': 'ASCII',
  '8859/1': '8859/1',
  'ISO-8859-1': '8859/1',
  'ISO8859-1': '8859/1',
  'LATIN1': '8859/1',
  '8859/15': '8859/15',
  'ISO-8859-15': '8859/15',
  'UNICODE UTF-8': 'UNICODE UTF-8',
  'UTF-8': 'UNICODE UTF-8',
  'UTF8': 'UNICODE UTF-8',
};

/** The canonical charset for an MSH-18 or configuration value, or undefined when unsupported. */
export function charsetOf(name: string): Charset | undefined {
  return ALIASES[name.trim().toUpperCase()];
}

/** Name to use in HTTP Content-Type `charset=`. */
export const MIME_NAME: Record<Charset, string> = { 'ASCII': 'US-ASCII', '8859/1': 'ISO-8859-1', '8859/15': 'ISO-8859-15', 'UNICODE UTF-8': 'UTF-8' };

/**
 * ISO 8859-15 differs from 8859-1 in eight positions (euro sign, S/Z with caron, OE ligature,
 * Y with diaeresis); every other byte is the same code point.
 */
const LATIN9_FROM_BYTE: Record<number, number> = {
  0xa4: 0x20ac, 0xa6: 0x0160, 0xa8: 0x0161, 0xb4: 0x017d, 0xb8: 0x017e, 0xbc: 0x0152, 0xbd: 0x0153, 0xbe: 0x0178,
};
const LATIN9_TO_BYTE: Record<number, number> = Object.fromEntries(Object.entries(LATIN9_FROM_BYTE).map(([b, cp]) => [cp, Number(b)]));

/**
 * MSH-18 (first repetition) read from the bytes themselves: the segment separator, field separator
 * and repetition separator are ASCII in every supported set, so the header can be read before the
 * message is decoded. '' when the bytes do not start with MSH or MSH-18 is empty.
 */
export function declaredCharset(bytes: Buffer): string {
  // Tolerate a UTF-8 byte order mark before MSH.
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  if (bytes.length < start + 8 || bytes[start] !== 0x4d || bytes[start + 1] !== 0x53 || bytes[start + 2] !== 0x48) return '';
  const fieldSep = bytes[start + 3]!;
  let end = bytes.indexOf(0x0d, start);
  const lf = bytes.indexOf(0x0a, start);
  if (end < 0 || (lf >= 0 && lf < end)) end = lf;
  if (end < 0) end = bytes.length;
  // Found in the bytes (#17: a frame's intake read the MSH line into a string and split it into its
  // fields, about 2 µs, for this one field). MSH-1 is the separator at start + 3; MSH-18 follows
  // the 17th separator of the line; MSH-2 ends at the second.
  let at = start + 3;
  let mshTwoEnd = end;
  for (let k = 1; k < 17; k++) {
    const next = bytes.indexOf(fieldSep, at + 1);
    if (next < 0 || next >= end) return '';
    if (k === 1) mshTwoEnd = next;
    at = next;
  }
  let fieldEnd = bytes.indexOf(fieldSep, at + 1);
  if (fieldEnd < 0 || fieldEnd > end) fieldEnd = end;
  // The repetition separator: MSH-2's second character ('~' when MSH-2 is shorter); the first repetition.
  const repetition = mshTwoEnd - (start + 4) >= 2 ? bytes[start + 5]! : 0x7e;
  let cut = bytes.indexOf(repetition, at + 1);
  if (cut < 0 || cut > fieldEnd) cut = fieldEnd;
  return bytes.toString('latin1', at + 1, cut).trim();
}

export interface Decoded {
  text: string;
  /** The set the text was read with. */
  charset: Charset;
  /** What MSH-18 said ('' when empty). */
  declared: string;
  issues: Issue[];
}

/** Decode a message's bytes by its MSH-18, or the channel default when MSH-18 is empty. */
export function decodeHl7(bytes: Buffer, channelDefault: Charset = 'UNICODE UTF-8'): Decoded {
  const declared = declaredCharset(bytes);
  const issues: Issue[] = [];
  let charset: Charset;
  if (declared === '') {
    charset = channelDefault;
  } else {
    const known = charsetOf(declared);
    if (known) {
      charset = known;
    } else {
      charset = channelDefault;
      const nonAscii = firstNonAscii(bytes);
      issues.push(nonAscii < 0
        ? issue('HL7_CHARSET', `MSH-18 character set "${declared}" is not supported (${CHARSETS.join(', ')}); the message is plain ASCII, so it was read unchanged.`, 'MSH.18', 'warning')
        : issue('HL7_CHARSET', `MSH-18 character set "${declared}" is not supported (${CHARSETS.join(', ')}) and the message holds non-ASCII bytes (first at byte ${nonAscii}) that cannot be read reliably.`, 'MSH.18'));
    }
  }
  const r = decodeAs(bytes, charset);
  // An unsupported set already has its issue; the bytes it holds are not "invalid" in it.
  if (r.badOffset >= 0 && issues.length === 0) {
    const bad = bytes.subarray(r.badOffset, r.badOffset + 4).toString('hex').toUpperCase();
    issues.push(issue('HL7_CHARSET', `${r.badCount} byte(s) are not valid ${charset} (MSH-18 ${declared === '' ? `empty, channel default ${channelDefault}` : `"${declared}"`}); first at byte ${r.badOffset} (0x${bad}); they were read as ISO 8859-1.`, 'MSH.18', 'warning'));
  }
  return { text: r.text, charset, declared, issues };
}

interface RawDecode { text: string; badOffset: number; badCount: number }

function firstNonAscii(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! > 0x7f) return i;
  return -1;
}

function decodeAs(bytes: Buffer, charset: Charset): RawDecode {
  switch (charset) {
    case '8859/1':
      return { text: bytes.toString('latin1'), badOffset: -1, badCount: 0 };
    case '8859/15':
      return { text: decodeLatin9(bytes), badOffset: -1, badCount: 0 };
    case 'ASCII': {
      const first = firstNonAscii(bytes);
      if (first < 0) return { text: bytes.toString('latin1'), badOffset: -1, badCount: 0 };
      let n = 0;
      for (let i = first; i < bytes.length; i++) if (bytes[i]! > 0x7f) n++;
      return { text: bytes.toString('latin1'), badOffset: first, badCount: n };
    }
    case 'UNICODE UTF-8':
      return decodeUtf8(bytes);
  }
}

function decodeLatin9(bytes: Buffer): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    out += String.fromCharCode(LATIN9_FROM_BYTE[b] ?? b);
  }
  return out;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * UTF-8, with every byte that is not part of a well-formed sequence read as ISO 8859-1 (the usual
 * mislabel: a Latin-1 sender that claims or defaults to UTF-8). The fast path is one strict decode.
 */
function decodeUtf8(bytes: Buffer): RawDecode {
  try {
    return { text: strictUtf8.decode(bytes), badOffset: -1, badCount: 0 };
  } catch {
    // fall through: decode sequence by sequence
  }
  let out = '';
  let badOffset = -1;
  let badCount = 0;
  let runStart = 0;
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  runStart = i;
  while (i < bytes.length) {
    const len = utf8SequenceLength(bytes, i);
    if (len > 0) { i += len; continue; }
    out += bytes.toString('utf8', runStart, i) + String.fromCharCode(bytes[i]!);
    if (badOffset < 0) badOffset = i;
    badCount++;
    i++;
    runStart = i;
  }
  out += bytes.toString('utf8', runStart, i);
  return { text: out, badOffset, badCount };
}

/** Length of the well-formed UTF-8 sequence at i (RFC 3629: no overlongs, no surrogates, <= U+10FFFF), 0 if none. */
function utf8SequenceLength(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number) => i + k < b.length && (b[i + k]! & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const c1 = b[i + 1]!;
    if (c === 0xe0 && c1 < 0xa0) return 0; // overlong
    if (c === 0xed && c1 > 0x9f) return 0; // surrogates
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const c1 = b[i + 1]!;
    if (c === 0xf0 && c1 < 0x90) return 0; // overlong
    if (c === 0xf4 && c1 > 0x8f) return 0; // above U+10FFFF
    return 4;
  }
  return 0;
}

/**
 * Text to bytes in a charset (our ACKs go back in the sender's encoding). A character the set
 * cannot hold becomes '?': ACK text is ours (codes, field names, messages), so nothing of the
 * sender's data is lost by it.
 */
export function encodeHl7(text: string, charset: Charset): Buffer {
  if (charset === 'UNICODE UTF-8') return Buffer.from(text, 'utf8');
  const max = charset === 'ASCII' ? 0x7f : 0xff;
  const out = Buffer.allocUnsafe(text.length);
  let n = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    let b: number | undefined;
    if (charset === '8859/15') {
      b = LATIN9_TO_BYTE[cp];
      if (b === undefined && cp <= 0xff && LATIN9_FROM_BYTE[cp] === undefined) b = cp;
    } else if (cp <= max) {
      b = cp;
    }
    out[n++] = b ?? 0x3f;
  }
  return out.subarray(0, n);
}
