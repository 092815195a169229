/** What the front desk reads of an eligibility check: one line per appointment (CLI text) with the patient's share or why there is no answer. */
import type { EligibilityCheck } from '../store/index.js';
import type { EligibilityRecord } from './record.js';

const usd = (n: number | undefined): string | undefined => (n === undefined ? undefined : `$${n.toFixed(2)}`);

/** The answer in a few words: `active, Synthetic PPO Gold, copay $25.00, coinsurance 20%, deductible $1500.00 ($650.00 left)`. */
export function eligibilityText(c: EligibilityCheck): string {
  const r = c.record as unknown as EligibilityRecord | null;
  if (!r) return c.status === 'pending' ? `pending (asked ${c.requestedAt ?? '?'}, no answer yet)` : c.status;
  if (r.status === 'rejected') return `rejected: ${r.rejections.map((x) => `${x.reason} (AAA ${x.code}${x.loop ? ` ${x.loop}` : ''})${x.followUp ? `; ${x.followUp}` : ''}`).join('; ')}`;
  const parts = [
    r.status, r.plan, r.serviceType ? `service type ${r.serviceType}` : undefined,
    r.copay !== undefined ? `copay ${usd(r.copay)}` : undefined,
    r.coinsurancePercent !== undefined ? `coinsurance ${r.coinsurancePercent}%` : undefined,
    r.deductible !== undefined ? `deductible ${usd(r.deductible)}${r.deductibleRemaining !== undefined ? ` (${usd(r.deductibleRemaining)} left)` : ''}` : r.deductibleRemaining !== undefined ? `deductible left ${usd(r.deductibleRemaining)}` : undefined,
  ];
  return parts.filter(Boolean).join(', ');
}

/** One row per check for `frontdesk eligibility list`. */
export function eligibilityTable(rows: EligibilityCheck[]): string {
  const head = 'appointment'.padEnd(27) + 'id'.padEnd(16) + 'patient'.padEnd(22) + 'payer'.padEnd(24) + 'answer';
  const lines = rows.map((c) => {
    const r = c.record as unknown as EligibilityRecord | null;
    return `${(c.appointmentStart ?? c.serviceDate ?? '').padEnd(27)}${(c.appointmentId ?? '-').padEnd(16)}${(r?.patientName ?? c.patientRef ?? '').slice(0, 21).padEnd(22)}${(r?.payer ?? '').slice(0, 23).padEnd(24)}${eligibilityText(c)}`;
  });
  return [head, ...lines].join('\n') + '\n';
}
