/**
 * Operator endpoints for X12 claims (scope "operator"; mounted behind authorize('operator') and
 * the raw body reader). JSON answers; errors as OperationOutcome.
 *   GET  /claims?limit=              claims sent as 837P, newest first, with their 999/277CA/835 state
 *   GET  /claims/:claimId            one claim: every submission, its history, billing and posting records
 *   POST /x12/validate               an X12 body (application/edi-x12 or text/plain) -> OperationOutcome
 *   POST /x12/convert?to=fhir|office an X12 body -> ClaimResponses / CoverageEligibilityResponses or office records
 *   POST /x12/inbound                a 999, 277CA or 835 recorded against the claims (an 835 only balanced, once)
 *   POST /x12/837p?destination=      a claim (office billing record, claim Bundle, DFT^P03) -> one 837P, claim edits
 *                                    first, control numbers from the store (`frontdesk convert --to x12`); nothing is sent
 */
import { Router } from 'express';
import { hasErrors, issue } from '../domain/issues.js';
import type { Store } from '../store/index.js';
import { validateX12 } from '../x12/validate.js';
import { claimTextToX12, x12ToFhirOrOffice } from '../x12/convert.js';
import type { BillingIdentity } from '../billing/identity.js';
import { ingestX12 } from '../x12/ingest.js';
import { FHIR_TYPES, HL7_TYPES, bodyText } from './body.js';
import { sendError, sendOutcome } from './outcome.js';
import { audit, queryOf } from './audit.js';

export const X12_PATHS = ['/claims', '/x12'];
const X12_TYPES = ['application/edi-x12', 'application/edi-x12+text', 'text/plain'];

/** What POST /x12/837p needs of the gateway: the practice's billing identity and timezone (a DFT's dates). */
export interface X12Settings { billing?: BillingIdentity | undefined; timezone: string }

const CLAIM_TYPES = [...new Set([...FHIR_TYPES, ...HL7_TYPES])];

export function x12Router(store: Store | undefined, now: () => Date = () => new Date(), settings?: X12Settings): Router {
  const router = Router();
  router.get('/claims', async (req, res) => {
    audit(req, res, { action: 'claim-list', query: queryOf(req) });
    if (!store) return sendError(res, 'NOT_FOUND', 'This gateway has no store for X12 claims.');
    const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return sendOutcome(res, [issue('INPUT_UNREADABLE', 'limit must be an integer from 1 to 1000.', 'limit')], 400);
    res.json(await store.x12.list(limit));
  });
  router.get('/claims/:claimId', async (req, res) => {
    audit(req, res, { action: 'claim-read', entity: `Claim/${String(req.params.claimId)}` });
    if (!store) return sendError(res, 'NOT_FOUND', 'This gateway has no store for X12 claims.');
    const rows = await store.x12.get(String(req.params.claimId));
    if (!rows.length) return sendError(res, 'NOT_FOUND', `No claim ${req.params.claimId} was sent from here.`, 'claimId');
    res.json(rows);
  });
  router.post('/x12/validate', (req, res) => {
    audit(req, res, { action: 'x12-validate' });
    const text = bodyText(req, res, X12_TYPES);
    if (text === undefined) return;
    const issues = validateX12(text);
    sendOutcome(res, issues, hasErrors(issues) ? 422 : 200);
  });
  router.post('/x12/convert', async (req, res) => {
    audit(req, res, { action: 'x12-convert' });
    const to = req.query.to ?? 'fhir';
    if (to !== 'fhir' && to !== 'office') return sendOutcome(res, [issue('INPUT_UNREADABLE', 'to must be fhir or office.', 'to')], 400);
    const text = bodyText(req, res, X12_TYPES);
    if (text === undefined) return;
    const r = await x12ToFhirOrOffice(text, to);
    if (!r.value || hasErrors(r.issues)) return sendOutcome(res, r.issues);
    res.json(r.value);
  });
  router.post('/x12/837p', async (req, res) => {
    audit(req, res, { action: 'x12-837p' });
    if (!store) return sendError(res, 'NOT_FOUND', 'This gateway has no store for X12 control numbers.');
    if (!settings?.billing) return sendOutcome(res, [issue('CONFIG_INVALID', 'The configuration has no billing section: an 837P needs the practice\'s billing identity.', 'billing')], 409);
    const destination = typeof req.query.destination === 'string' && req.query.destination ? req.query.destination : 'clearinghouse';
    const text = bodyText(req, res, CLAIM_TYPES);
    if (text === undefined) return;
    // Control numbers from the store, as the claim-batch job takes them: never a reused ISA-13.
    const r = await claimTextToX12(text, { identity: settings.billing, destination, allocate: (c) => store.x12.allocateControlNumber(c), timezone: settings.timezone });
    if (!r.value?.x12 || hasErrors(r.issues)) return sendOutcome(res, r.issues, 422);
    res.type('application/edi-x12').send(r.value.x12);
  });
  router.post('/x12/inbound', async (req, res) => {
    audit(req, res, { action: 'x12-inbound' });
    if (!store) return sendError(res, 'NOT_FOUND', 'This gateway has no store for X12 claims.');
    const text = bodyText(req, res, X12_TYPES);
    if (text === undefined) return;
    const r = await ingestX12(text, store, now());
    if (!r.value || hasErrors(r.issues)) return sendOutcome(res, r.issues);
    res.json({ ...r.value, issues: r.issues });
  });
  return router;
}
