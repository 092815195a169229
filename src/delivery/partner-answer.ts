/**
 * What a clearinghouse or payer says back in the body of its HTTPS response, read and posted like
 * a file picked up from its folder: a real-time 999 (for an 837P batch), 271 (for a 270) or any
 * X12 answer goes through `ingestX12Once` (claimed by content hash, so the same answer later in the
 * folder is not applied twice); a FHIR CoverageEligibilityResponse (for a CoverageEligibilityRequest,
 * alone or in a response Bundle) is kept on its eligibility check. Other bodies (`{"status":"accepted"}`,
 * a transaction-response without one) are not answers and are left alone.
 *
 * Read after a delivery and after a permanent refusal (a 4xx may carry a 999 rejecting the
 * interchange), never after a transient failure (a 503 page is not an answer). Issues are logged
 * by code and location only: their text may name a member id.
 */
import { errorCodeOf, type Issue } from '../domain/issues.js';
import type { Logger } from '../logging.js';
import type { OutboxItem, Store } from '../store/index.js';
import { looksLikeX12 } from '../x12/detect.js';
import { ingestX12Once } from '../x12/ingest.js';
import { recordEligibilityFhir } from '../eligibility/answers.js';
import { eligibilityResponsesIn } from '../eligibility/fhir.js';

export interface PartnerAnswer {
  /** `x12` (and what became of it) or `fhir-eligibility`; undefined when the body holds no answer. */
  kind?: 'x12' | 'fhir-eligibility' | undefined;
  outcome?: string | undefined;
  issues: Issue[];
}

/** Which outbox items' responses may hold an answer: everything to a clearinghouse, and eligibility requests anywhere. */
export function mayCarryAnswer(item: Pick<OutboxItem, 'kind'>, destinationType: string | undefined): boolean {
  return destinationType === 'clearinghouse' || item.kind === 'eligibility';
}

export async function readPartnerAnswer(store: Store, item: Pick<OutboxItem, 'id' | 'destination' | 'kind'>, body: string | undefined, now: Date, log?: Logger): Promise<PartnerAnswer> {
  if (!body || !body.trim()) return { issues: [] };
  let answer: PartnerAnswer = { issues: [] };
  try {
    if (looksLikeX12(body)) {
      const r = await ingestX12Once(body.replace(/^\uFEFF?\s*/, ''), `HTTPS response from ${item.destination} to outbox item ${item.id}`, store, now);
      answer = { kind: 'x12', outcome: `${r.result?.kind ?? 'x12'} ${r.outcome}`, issues: r.issues };
    } else {
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        return { issues: [] };
      }
      if (!eligibilityResponsesIn(json).length) return { issues: [] };
      const r = await recordEligibilityFhir(json, store, now);
      answer = { kind: 'fhir-eligibility', outcome: `${r.value?.length ?? 0} eligibility answer(s) kept`, issues: r.issues };
    }
  } catch (e) {
    // A reading fault must not stop the delivery pass; the delivery itself is already recorded.
    log?.error({ outboxId: item.id, destination: item.destination, err: (e as Error).name }, 'partner answer could not be read');
    return { issues: [] };
  }
  log?.info({
    outboxId: item.id, destination: item.destination, kind: item.kind, answer: answer.kind, outcome: answer.outcome,
    issues: answer.issues.filter((i) => i.severity !== 'information').map((i) => `${errorCodeOf(i)}@${i.expression?.join(',') ?? ''}`),
  }, 'partner answer read');
  return answer;
}
