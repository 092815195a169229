/**
 * 277CA Claim Acknowledgment (005010X214) in: one status per claim (2200D TRN-02 is our CLM-01),
 * its STC category (A1 received, A2 accepted, A3/A6/A7/A8 rejected...) and status code with the
 * entity it names, mapped to a claim state and to the 837P element the rejection points at.
 */
import type { Result } from '../../domain/issues.js';
import type { X12ClaimState } from '../../store/x12.js';
import { readWithMap } from '../read.js';
import { CLAIM_STATUS_SYSTEM, statusCodes } from './codes.js';
import type { ClaimAnswerError } from './claim-response.js';

interface Stc { category: string; code?: string; entity?: string; date: string; action?: string; amount?: string; category2?: string; code2?: string; entity2?: string; message?: string }
interface Model277 {
  reference: string; date: string;
  sources?: Array<{
    source: { name: string; id: string };
    receivers?: Array<{
      providers?: Array<{
        provider?: { name: string; id: string };
        patients?: Array<{
          patient: { last: string; first?: string; memberId?: string };
          claims?: Array<{ claimId: string; status?: Stc[]; payerClaimNumber?: string; clearinghouseTrace?: string; serviceDates?: string;
            lines?: Array<{ code: string; charge: string; status?: Stc[]; lineControl?: string }> }>;
        }>;
      }>;
    }>;
  }>;
}

export interface ClaimAck {
  claimId: string;
  state: X12ClaimState;
  /** STC01-1 of the claim's first status. */
  category: string;
  categoryDisplay: string;
  amount?: string | undefined;
  date: string;
  payerClaimNumber?: string | undefined;
  payer: { name: string; id: string };
  patient: { name: string; memberId?: string | undefined };
  /** Every status as an error-style reason (accepted claims carry theirs too, as information). */
  reasons: ClaimAnswerError[];
}

function reason(category: string, code: string | undefined, entity: string | undefined, item?: number): ClaimAnswerError {
  const codes = statusCodes();
  const sc = code ? codes.statusCodes[code] : undefined;
  const field = sc?.field ? (entity && sc.field[entity]) || sc.field['*'] : undefined;
  const who = entity ? codes.entities[entity] : undefined;
  const display = [codes.categories[category]?.display ?? category, sc?.display ?? (code ? `status ${code}` : undefined), who].filter(Boolean).join(' / ');
  return { system: CLAIM_STATUS_SYSTEM, code: code ?? category, display, ...(field ? { field } : {}), ...(item !== undefined ? { item } : {}) };
}

export function read277ca(text: string): Result<ClaimAck[]> {
  const r = readWithMap<Model277>(text, '277ca');
  if (!r.value) return { value: undefined, issues: r.issues };
  const codes = statusCodes();
  const out: ClaimAck[] = [];
  for (const { model } of r.value.sets) {
    for (const src of model.sources ?? []) {
      for (const rcv of src.receivers ?? []) for (const prov of rcv.providers ?? []) for (const pat of prov.patients ?? []) {
        for (const c of pat.claims ?? []) {
          const first = c.status?.[0];
          const category = first?.category ?? '';
          const reasons: ClaimAnswerError[] = [];
          for (const s of c.status ?? []) {
            reasons.push(reason(s.category, s.code, s.entity));
            if (s.category2) reasons.push(reason(s.category2, s.code2, s.entity2));
          }
          (c.lines ?? []).forEach((l) => {
            const n = l.lineControl && /^\d+$/.test(l.lineControl) ? Number(l.lineControl) : undefined;
            for (const s of l.status ?? []) reasons.push({ ...reason(s.category, s.code, s.entity, n), display: `${reason(s.category, s.code, s.entity).display} (line ${l.code.split(':')[1] ?? l.code} ${l.charge})` });
          });
          out.push({
            claimId: c.claimId,
            state: codes.categories[category]?.state ?? 'acknowledged',
            category,
            categoryDisplay: codes.categories[category]?.display ?? category,
            ...(first?.amount ? { amount: first.amount } : {}),
            date: first?.date ?? model.date,
            ...(c.payerClaimNumber ? { payerClaimNumber: c.payerClaimNumber } : {}),
            payer: { name: src.source?.name ?? '', id: src.source?.id ?? '' },
            patient: { name: [pat.patient?.first, pat.patient?.last].filter(Boolean).join(' '), ...(pat.patient?.memberId ? { memberId: pat.patient.memberId } : {}) },
            reasons,
          });
        }
      }
    }
  }
  return { value: out, issues: r.issues };
}
