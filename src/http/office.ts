/**
 * Office endpoints: the practice-management side posts its records as JSON.
 *   POST /office/registration   recordType "registration"       -> Patient, Coverage, ...
 *   POST /office/appointment    recordType "appointment"        -> Appointment
 *   POST /office/billing        recordType "billing-encounter"  -> Claim bundle
 *   POST /office/merge          recordType "merge-instruction"  -> the two Patients linked (the
 *                               retired one's references re-pointed to the survivor)
 * Each record is stored, validated (validateOfficeRecord: 422 naming the field), converted by its
 * vertical's converter, and its FHIR output stored and queued; the answer is 201 with the FHIR
 * resources as stored. `Idempotency-Key` makes a retried POST return the stored answer.
 */
import { Router } from 'express';
import type { Pipeline } from '../runtime/pipeline.js';
import { bodyText, JSON_TYPES } from './body.js';
import { sendError, sendOutcome } from './outcome.js';
import { sendAnswer } from './answer.js';
import { audit } from './audit.js';

export const OFFICE_ENDPOINTS: Readonly<Record<string, string>> = {
  registration: 'registration',
  appointment: 'appointment',
  billing: 'billing-encounter',
  'billing-encounter': 'billing-encounter',
  merge: 'merge-instruction',
  'merge-instruction': 'merge-instruction',
};

export function officeRouter(pipeline: Pipeline): Router {
  const router = Router();
  const channel = () => pipeline.config.channels.find((c) => c.source.http?.path === '/office') ?? pipeline.channel('office-api');
  router.post('/:kind', async (req, res) => {
    const kind = String(req.params.kind);
    audit(req, res, { action: 'office-record', entity: `office/${kind}` });
    // Own keys only: "/office/__proto__" or "/office/constructor" must be a 404, not an inherited member.
    const recordType = Object.hasOwn(OFFICE_ENDPOINTS, kind) ? OFFICE_ENDPOINTS[kind] : undefined;
    if (!recordType) return sendError(res, 'NOT_FOUND', `No office endpoint "${kind}"; use ${Object.keys(OFFICE_ENDPOINTS).join(', ')}.`);
    const text = bodyText(req, res, JSON_TYPES);
    if (text === undefined) return;
    const rec = await pipeline.receive({ channel: channel(), source: 'http', peer: req.ip, contentType: 'office', raw: text, recordType, idempotencyKey: req.get('idempotency-key') ?? undefined });
    if (!rec.ok) return sendOutcome(res, rec.issues);
    try {
      const a = await rec.answer;
      if (a.httpStatus === 201) res.location(`/messages/${a.id}`);
      audit(req, res, { action: 'office-record', entity: `message/${a.id}`, detail: `office/${kind}` });
      sendAnswer(res, a);
    } catch {
      sendError(res, 'STORE_FAILED', 'The record was stored but its outputs could not be committed; it will be processed again. Do not resend.');
    }
  });
  return router;
}
