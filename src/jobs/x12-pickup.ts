/**
 * x12-pickup: the clearinghouses' answers (999, 277CA, 835, 271) picked up from each clearinghouse
 * destination's `inbox` folder (src/x12/transport/folder.ts): each file once, applied (claim
 * states, remittances posted, eligibility answers kept for the front desk), archived, or moved to
 * `rejected/` when it cannot be read; a file whose content was received before (in the folder or
 * in an HTTPS response) is archived as a duplicate and changes nothing. The summary (logged and
 * kept in job_runs) names files, outcomes and issue codes only: no PHI.
 */
import { errorCodeOf } from '../domain/issues.js';
import { pickUp } from '../x12/transport/folder.js';
import type { JobDeps, JobSummary } from './context.js';

export async function runX12Pickup(deps: JobDeps): Promise<JobSummary> {
  const now = (deps.now ?? (() => new Date()))();
  const folders = Object.entries(deps.config.destinations).flatMap(([name, d]) => (d.type === 'clearinghouse' && d.inbox ? [{ name, inbox: d.inbox }] : []));
  if (!folders.length) return { skipped: 'no clearinghouse destination names an inbox folder' };
  const counts = { applied: 0, duplicate: 0, rejected: 0 };
  const files: string[] = [];
  for (const f of folders) {
    for (const p of await pickUp(f.inbox, deps.store, now)) {
      counts[p.outcome]++;
      const why = p.outcome === 'rejected' ? ` ${[...new Set(p.issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').map((i) => `${errorCodeOf(i)}@${i.expression?.join(',') ?? ''}`))].slice(0, 5).join(' ')}` : '';
      files.push(`${f.name}/${p.name}: ${p.result?.kind ?? ''}${p.result?.kind ? ' ' : ''}${p.outcome}${why}`);
    }
  }
  return { ...counts, ...(files.length ? { files } : {}) };
}
