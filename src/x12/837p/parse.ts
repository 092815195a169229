/**
 * 837P text -> models (one per transaction set) and the office billing encounters they carry,
 * checked against the envelope and the 005010X222A1 guide map. Never throws.
 */
import { issue, type Issue, type Result } from '../../domain/issues.js';
import type { BillingEncounter } from '../../billing/encounter.js';
import { readInterchange } from '../envelope.js';
import { readTransaction } from '../engine.js';
import { loadX12Map } from '../map.js';
import { el } from '../syntax.js';
import { encounterFromModel, x12Codes, type Model837 } from './model.js';

export interface Parsed837 {
  transactions: Model837[];
  encounters: BillingEncounter[];
}

export function parse837(text: string): Result<Parsed837> {
  const ic = readInterchange(text);
  if (!ic.value) return { value: undefined, issues: ic.issues };
  const issues: Issue[] = [...ic.issues];
  const map = loadX12Map('837p');
  const txs = ic.value.groups.flatMap((g) => g.transactions);
  const out: Parsed837 = { transactions: [], encounters: [] };
  for (const t of txs) {
    if (el(t.st, 1) !== map.setId) {
      issues.push(issue('X12_INVALID', `ST-01 is "${el(t.st, 1)}"; an 837P transaction set is 837.`, `ST[${t.index}].ST-01`));
      continue;
    }
    if (el(t.st, 3) && el(t.st, 3) !== map.version) issues.push(issue('X12_INVALID', `ST-03 is "${el(t.st, 3)}"; this reader knows ${map.version}.`, `ST[${t.index}].ST-03`));
    const r = readTransaction(map, t.body, ic.value.delimiters, txs.length > 1 ? `ST[${t.index}]` : '');
    issues.push(...r.issues);
    const m = r.value as unknown as Model837;
    out.transactions.push(m);
    (m.subscribers ?? []).forEach((s, k) => {
      if (!s.claim) return;
      // 2300 REF*F8 is required when CLM05-3 is 7 (replacement) or 8 (void): the payer's claim it replaces.
      const kind = Object.entries(x12Codes().claimFrequency).find(([, code]) => code === s.claim.frequency)?.[0];
      if (kind && kind !== 'original' && !s.claim.payerClaimNumber) {
        const where = `${txs.length > 1 ? `ST[${t.index}].` : ''}${(m.subscribers ?? []).length > 1 ? `2000B[${k + 1}].` : ''}2300.REF`;
        issues.push(issue('X12_INVALID', `Claim ${s.claim.id} is a ${kind} (CLM05-3 ${s.claim.frequency}) without REF*F8, the payer's claim control number of the claim it ${kind === 'void' ? 'voids' : 'replaces'}.`, where));
      }
      out.encounters.push(encounterFromModel(s, m.billing));
    });
  }
  return { value: out, issues };
}
