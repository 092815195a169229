/** X12 validation for `frontdesk validate`: which transaction set an interchange holds, and its envelope and guide issues. */
import { issue, type Issue, type Result } from '../domain/issues.js';
import { readInterchange } from './envelope.js';
import { el } from './syntax.js';
import { parse837 } from './837p/parse.js';
import { read835 } from './inbound/remit835.js';
import { readWithMap } from './read.js';

export type X12Kind = '837' | '999' | '277' | '835' | '270' | '271';
const MAPS: Record<X12Kind, string> = { '837': '837p', '999': '999', '277': '277ca', '835': '835', '270': '270', '271': '271' };

/** The transaction set id (ST-01) of an interchange; issues when it cannot be read. */
export function x12KindOf(text: string): Result<X12Kind> {
  const ic = readInterchange(text);
  if (!ic.value) return { value: undefined, issues: ic.issues };
  const st01 = ic.value.groups[0]?.transactions[0] ? el(ic.value.groups[0].transactions[0].st, 1) : '';
  if (!(st01 in MAPS)) return { value: undefined, issues: [...ic.issues, issue('X12_INVALID', `Transaction set "${st01 || '(none)'}" is not one Frontdesk reads (837, 999, 277, 835, 270, 271).`, 'ST-01')] };
  return { value: st01 as X12Kind, issues: [] };
}

/** `frontdesk validate claim.837`: envelope and guide issues of any X12 we read or write. */
export function validateX12(text: string): Issue[] {
  const kind = x12KindOf(text);
  if (!kind.value) return kind.issues;
  if (kind.value === '837') return parse837(text).issues;
  if (kind.value === '835') return read835(text).issues;
  return readWithMap(text, MAPS[kind.value]).issues;
}

