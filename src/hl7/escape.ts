/**
 * HL7v2 escape sequences (v2.5.1 chapter 2.7): \F\ \S\ \T\ \R\ \E\ (and \P\, truncation, v2.7),
 * \Xhh..\ hex data, and formatting sequences (\.br\ etc. in FT fields).
 */
import type { Delimiters } from './delimiters.js';

/** Replace escape sequences in one already-split leaf value by the characters they stand for. */
export function unescapeHl7(s: string, d: Delimiters): string {
  const e = d.escape;
  if (!e || s.indexOf(e) < 0) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const ch = s[i]!;
    if (ch !== e) { out += ch; i++; continue; }
    const end = s.indexOf(e, i + 1);
    if (end < 0) { out += s.slice(i); break; } // unterminated: keep as sent (validator reports it)
    const seq = s.slice(i + 1, end);
    out += decodeSequence(seq, d) ?? `${e}${seq}${e}`;
    i = end + 1;
  }
  return out;
}

function decodeSequence(seq: string, d: Delimiters): string | undefined {
  switch (seq) {
    case 'F': return d.field;
    case 'S': return d.component;
    case 'T': return d.subcomponent;
    case 'R': return d.repetition;
    case 'E': return d.escape;
    case 'P': return d.truncation || undefined;
    case '.br': return '\n';
    case 'H': case 'N': return ''; // highlighting on/off carries no text
  }
  if (seq.length > 1 && (seq[0] === 'X' || seq[0] === 'x') && /^[0-9A-Fa-f]+$/.test(seq.slice(1)) && seq.length % 2 === 1) {
    return decodeHex(seq.slice(1));
  }
  return undefined; // .sp, .in, \Zxx\ and other sequences stay as sent
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * \Xhh..\ hex data: bytes in the message's character set. Bytes that form valid UTF-8 (the
 * usual MSH-18 today) are read as UTF-8; anything else as ISO 8859-1, the v2 default, so no
 * byte is lost.
 */
function decodeHex(hex: string): string {
  const bytes = Buffer.from(hex, 'hex');
  if (bytes.every((b) => b < 0x80)) return bytes.toString('latin1');
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

/** Escape a leaf value so it can be placed in a message with these delimiters. */
export function escapeHl7(s: string, d: Delimiters): string {
  // Most values need nothing: find the first character that does, and copy unchanged runs as
  // slices (a 5 MB base64 document is returned as is, not rebuilt a character at a time).
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    let rep: string | undefined;
    if (ch === d.escape) rep = 'E';
    else if (ch === d.field) rep = 'F';
    else if (ch === d.component) rep = 'S';
    else if (ch === d.subcomponent) rep = 'T';
    else if (ch === d.repetition) rep = 'R';
    else if (d.truncation && ch === d.truncation) rep = 'P';
    else if (ch === '\r') rep = 'X0D';
    else if (ch === '\n') rep = '.br';
    if (rep === undefined) continue;
    out += s.slice(from, i) + d.escape + rep + d.escape;
    from = i + 1;
  }
  return from === 0 ? s : out + s.slice(from);
}
