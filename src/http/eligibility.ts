/**
 * Operator endpoints for eligibility (scope "operator"; mounted behind authorize('operator') and
 * the raw body reader). The front desk's view of tomorrow's appointments before the patients arrive.
 *   GET  /eligibility?date=YYYY-MM-DD&limit=   checks of one day's appointments (all days without date)
 *   GET  /eligibility/:id                      one appointment's checks (or one trace)
 *   POST /eligibility/inbound                  a 271 (application/edi-x12) or a CoverageEligibilityResponse (FHIR JSON) recorded
 */
import { Router } from 'express';
import { hasErrors, issue } from '../domain/issues.js';
import type { Store } from '../store/index.js';
import { recordEligibilityText } from '../eligibility/answers.js';
import { eligibilityText } from '../eligibility/view.js';
import { bodyText, FHIR_TYPES } from './body.js';
import { sendError, sendOutcome } from './outcome.js';
import { audit, queryOf } from './audit.js';

export const ELIGIBILITY_PATHS = ['/eligibility'];
const TYPES = ['application/edi-x12', 'application/edi-x12+text', 'text/plain', ...FHIR_TYPES];

export function eligibilityRouter(store: Store | undefined, now: () => Date = () => new Date()): Router {
  const router = Router();
  const noStore = 'This gateway has no store for eligibility checks.';
  router.get('/eligibility', async (req, res) => {
    audit(req, res, { action: 'eligibility-list', query: queryOf(req) });
    if (!store) return sendError(res, 'NOT_FOUND', noStore);
    const date = req.query.date === undefined ? undefined : String(req.query.date);
    if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date)) return sendOutcome(res, [issue('INPUT_UNREADABLE', 'date must be YYYY-MM-DD.', 'date')], 400);
    const limit = req.query.limit === undefined ? 500 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 5000) return sendOutcome(res, [issue('INPUT_UNREADABLE', 'limit must be an integer from 1 to 5000.', 'limit')], 400);
    const rows = await store.eligibility.list({ serviceDate: date, limit });
    res.json(rows.map((r) => ({ ...r, summary: eligibilityText(r) })));
  });
  router.get('/eligibility/:id', async (req, res) => {
    audit(req, res, { action: 'eligibility-read', entity: `eligibility/${String(req.params.id)}` });
    if (!store) return sendError(res, 'NOT_FOUND', noStore);
    const id = String(req.params.id);
    const one = await store.eligibility.get(id);
    const rows = one ? [one] : await store.eligibility.forAppointment(id);
    if (!rows.length) return sendError(res, 'NOT_FOUND', `No eligibility check for ${id}.`, 'id');
    res.json(rows.map((r) => ({ ...r, summary: eligibilityText(r) })));
  });
  router.post('/eligibility/inbound', async (req, res) => {
    audit(req, res, { action: 'eligibility-inbound' });
    if (!store) return sendError(res, 'NOT_FOUND', noStore);
    const text = bodyText(req, res, TYPES);
    if (text === undefined) return;
    const r = await recordEligibilityText(text, store, now());
    if (!r.value || hasErrors(r.issues)) return sendOutcome(res, r.issues);
    res.json({ recorded: r.value, issues: r.issues });
  });
  return router;
}
