/**
 * Queue generated HL7v2 for an MLLP destination (channel payload "hl7v2"). Runs inside the
 * processing transaction (runtime/persist.ts), so the outbox rows, their control ids and the
 * message's outputs commit together.
 *
 * Per generated message (src/flows/outbound/generate.ts):
 *   1. the destination's header (MSH-3..6, 11, 15, 16) is applied;
 *   2. its idempotency key is the message id, destination, record, event and a hash of the content
 *      without MSH-7/MSH-10: processing the same message again queues nothing new;
 *   3. its MSH-10 is allocated durably for that key (store/control-ids.ts): never reused, the same
 *      on every retry;
 *   4. it is validated against our HL7v2 message profile (hl7/validate.ts). A message with errors
 *      is queued straight into dead letter with the issues (error code of the first, every issue
 *      in last_error) and never sent. It carries no ordering key: it can never leave, so it must
 *      not hold back the patient's later messages; the operator fixes the record and posts it again.
 */
import { createHash } from 'node:crypto';
import type { Bundle } from 'fhir/r4.js';
import { errorCodeOf, hasErrors, type Issue } from '../domain/issues.js';
import { validateMessage } from '../hl7/validate.js';
import type { StoreTables } from '../store/index.js';
import { storeReader, withStoredLookup } from '../flows/stored-lookup.js';
import { generateHl7 } from '../flows/outbound/generate.js';
import { applyHeader, contentOf } from '../flows/outbound/header.js';
import type { ResourceChange } from '../flows/outbound/events.js';
import type { FlowContext, OfficeRecord } from '../flows/types.js';
import type { OutboundHl7Settings } from './config.js';

/** Outbox kind of generated messages (the dispatcher checks their profile again before sending). */
export const GENERATED_HL7_KIND = 'hl7v2-generated';

export interface QueueGeneratedInput {
  messageId: number;
  destination: string;
  settings: OutboundHl7Settings;
  office: readonly OfficeRecord[];
  changes: readonly ResourceChange[];
  /** The output's Bundle (lab results are written from it as ORU^R01). */
  bundle?: Bundle | undefined;
  /** The practice context; stored resources the generation looks up are read from the store. */
  ctx: Omit<FlowContext, 'lookup'>;
}

/** What queueing writes: the caller's transaction, so items, control ids and outputs commit together. */
export type QueueTables = Pick<StoreTables, 'outbox' | 'controlIds' | 'resources'>;

export interface QueuedSummary {
  queued: number;
  /** Of those, how many went straight to dead letter (failed their profile or could not be built). */
  dead: number;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

/** Issues as one operator line: `PID.5: PID-5 (XPN) is required and empty.; ...` (bounded by the store). */
export function issuesText(issues: readonly Issue[]): string {
  return issues.map((i) => `${i.expression?.[0] ? `${i.expression[0]}: ` : ''}${i.diagnostics ?? i.code}`).join('; ');
}

export async function queueGeneratedHl7(db: QueueTables, p: QueueGeneratedInput, now: Date = new Date()): Promise<QueuedSummary> {
  const sum: QueuedSummary = { queued: 0, dead: 0 };
  const generated = await withStoredLookup(
    storeReader(db.resources),
    (lookup) => generateHl7(p.office, p.changes, { ...p.ctx, lookup }, { registrationEvents: p.settings.registrationEvents, bundle: p.bundle }),
  );
  for (const g of generated) {
    const prefix = `msg-${p.messageId}:${p.destination}:hl7v2-${g.part}:${g.event}`;
    if (!g.message) {
      // Could not be built at all: the record itself goes to dead letter with the issues.
      const payload = JSON.stringify(p.office[Number(g.part.slice('office-'.length))] ?? {});
      const key = `${prefix}:${sha(payload)}`;
      if (await db.outbox.getByKey(key)) continue;
      await queueDead(db, { key, destination: p.destination, payload, contentType: 'application/json', messageId: p.messageId, issues: g.issues }, now);
      sum.queued++;
      sum.dead++;
      continue;
    }
    const msg = g.message;
    applyHeader(msg, p.settings, '');
    const key = `${prefix}:${sha(contentOf(msg))}`;
    if (await db.outbox.getByKey(key)) continue;
    const controlId = await db.controlIds.allocate({ itemKey: key, destination: p.destination, messageType: msg.messageType, prefix: p.settings.controlIdPrefix }, now);
    applyHeader(msg, p.settings, controlId);
    const issues = [...g.issues.filter((i) => i.severity !== 'information'), ...validateMessage(msg)];
    const payload = msg.toString();
    if (hasErrors(issues)) {
      await queueDead(db, { key, destination: p.destination, payload, contentType: 'application/hl7-v2', messageId: p.messageId, issues }, now);
      sum.dead++;
    } else {
      await db.outbox.enqueue({
        destination: p.destination, kind: GENERATED_HL7_KIND, payload, contentType: 'application/hl7-v2', idempotencyKey: key,
        ...(g.orderingKey ? { orderingKey: g.orderingKey } : {}), messageId: p.messageId,
      }, now);
    }
    sum.queued++;
  }
  return sum;
}

async function queueDead(db: QueueTables, d: { key: string; destination: string; payload: string; contentType: string; messageId: number; issues: Issue[] }, now: Date): Promise<void> {
  const errors = d.issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
  const id = await db.outbox.enqueue({ destination: d.destination, kind: GENERATED_HL7_KIND, payload: d.payload, contentType: d.contentType, idempotencyKey: d.key, messageId: d.messageId }, now);
  await db.outbox.markDead(id, { errorCode: errorCodeOf(errors[0] ?? d.issues[0]!) ?? 'INTERNAL', error: `not sent: fails its message profile or could not be built: ${issuesText(errors.length ? errors : d.issues)}` }, now);
}
