/**
 * Record an inbound X12 file (999, 277CA, 835 against the claims; 271 as eligibility answers) in the store: the one entry point for the
 * CLI (`claims ingest`), the operator API (POST /x12/inbound) and the folder pickup.
 */
import { createHash } from 'node:crypto';
import { hasErrors, issue, type Issue, type Result } from '../domain/issues.js';
import type { Store } from '../store/index.js';
import { x12KindOf, type X12Kind } from './convert.js';
import { read999 } from './inbound/ack999.js';
import { read277ca } from './inbound/ack277ca.js';
import { apply277ca, apply999 } from './inbound/apply.js';
import { read835 } from './inbound/remit835.js';
import { post835 } from './inbound/post835.js';
import { recordEligibility271 } from '../eligibility/answers.js';

export interface Ingested {
  kind: X12Kind;
  /** Claims whose state moved (999, 277CA, 835). */
  claims: Array<{ claimId: string; state: string; recorded: boolean }>;
  /** An 835: whether it was posted. */
  posted?: boolean;
  /** A 271: each answer kept for the front desk, and the appointment it matched. */
  eligibility?: Array<{ trace: string; status: string; matched: boolean; appointmentId: string | null }>;
}

export async function ingestX12(text: string, store: Store, now: Date): Promise<Result<Ingested>> {
  const kind = x12KindOf(text);
  if (!kind.value) return { value: undefined, issues: kind.issues };
  const issues: Issue[] = [];
  const brief = (list: Array<{ claimId: string; state: string; recorded: boolean }>) => list.map(({ claimId, state, recorded }) => ({ claimId, state, recorded }));
  switch (kind.value) {
    case '999': {
      const r = read999(text);
      issues.push(...r.issues);
      if (!r.value || hasErrors(r.issues)) return { value: undefined, issues };
      const a = await apply999(r.value, store, now);
      return { value: { kind: '999', claims: brief(a.value!) }, issues: [...issues, ...a.issues] };
    }
    case '277': {
      const r = read277ca(text);
      issues.push(...r.issues);
      if (!r.value || hasErrors(r.issues)) return { value: undefined, issues };
      const a = await apply277ca(r.value, store, now);
      return { value: { kind: '277', claims: brief(a.value!) }, issues: [...issues, ...a.issues] };
    }
    case '835': {
      const r = read835(text);
      issues.push(...r.issues);
      if (!r.value) return { value: undefined, issues };
      const p = await post835(r.value, r.issues, store, now);
      return { value: { kind: '835', claims: brief(p.value!.claims), posted: p.value!.posted }, issues: [...issues, ...p.issues] };
    }
    case '271': {
      const r = await recordEligibility271(text, store, now);
      issues.push(...r.issues);
      if (!r.value) return { value: undefined, issues };
      return { value: { kind: '271', claims: [], eligibility: r.value }, issues };
    }
    default:
      return { value: undefined, issues: [issue('X12_INVALID', `A ${kind.value} is not an answer Frontdesk records.`, 'ST-01')] };
  }
}

export interface IngestedOnce {
  outcome: 'applied' | 'duplicate' | 'rejected';
  result?: Ingested | undefined;
  issues: Issue[];
}

/**
 * Apply an inbound interchange at most once, whichever way it came (a file picked up from the
 * clearinghouse's folder, the body of its HTTPS response): the content is claimed by its SHA-256
 * in store.x12 first, so the same 999, 277CA, 835 or 271 arriving twice (again in the folder, or
 * in the folder after the HTTP response) is a duplicate and changes nothing. `name` says where it
 * came from, for the operator.
 */
export async function ingestX12Once(text: string, name: string, store: Store, now: Date): Promise<IngestedOnce> {
  const sha = createHash('sha256').update(text).digest('hex');
  if (!(await store.x12.claimInboundFile(sha, name, now))) {
    return { outcome: 'duplicate', issues: [issue('DUPLICATE_CONFLICT', `${name} has the content of an answer received before; it is not applied again.`, name, 'warning')] };
  }
  const r = await ingestX12(text, store, now);
  const ok = r.value !== undefined && !hasErrors(r.issues);
  await store.x12.finishInboundFile(sha, r.value?.kind, ok ? 'applied' : 'rejected');
  return { outcome: ok ? 'applied' : 'rejected', result: r.value, issues: r.issues };
}
