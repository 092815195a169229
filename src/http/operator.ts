/**
 * Operator endpoints (scope "operator"), JSON; errors as OperationOutcome.
 *   GET  /messages?state=&channel=&type=&controlId=&since=&until=&limit=&offset=
 *   GET  /messages/:id            raw, parsed (field names from the hl7v2 dictionary), outputs, issues, ACKs
 *   POST /messages/:id/replay     process one stored message again
 *   POST /messages/replay         replay a filtered set: JSON body { state, channel, type, controlId, since, until, max }
 * Plus GET /metrics (scope "metrics", Prometheus text) and GET /health (no credentials).
 */
import { Router, type Request, type Response } from 'express';
import { issue } from '../domain/issues.js';
import { MESSAGE_STATES, type MessageFilter, type MessageState } from '../store/index.js';
import { explainHl7 } from '../runtime/explain.js';
import { replayMatching, replayOne } from '../runtime/replay.js';
import type { Pipeline } from '../runtime/pipeline.js';
import { bodyText, JSON_TYPES, parseJsonBody } from './body.js';
import { sendError, sendOutcome } from './outcome.js';
import { audit, queryOf } from './audit.js';

/** The largest page of messages one request returns (the store bounds it too). */
export const MAX_PAGE = 1000;

const DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/;

/** Read a filter from query or body fields; answers 400 naming the bad parameter. */
export function readFilter(src: Record<string, unknown>, res: Response): MessageFilter | undefined {
  const f: MessageFilter = {};
  const str = (k: string): string | undefined => {
    const v = src[k];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const bad = (k: string, why: string) => {
    sendOutcome(res, [issue('INPUT_UNREADABLE', `Parameter "${k}": ${why}`, k)], 400);
    return undefined;
  };
  const state = str('state');
  if (state !== undefined) {
    if (!MESSAGE_STATES.includes(state as MessageState)) return bad('state', `one of ${MESSAGE_STATES.join(', ')}.`);
    f.state = state as MessageState;
  }
  f.channel = str('channel');
  f.messageType = str('type');
  f.controlId = str('controlId');
  for (const k of ['since', 'until'] as const) {
    const v = str(k);
    if (v !== undefined) {
      if (!DATE.test(v) || Number.isNaN(Date.parse(v))) return bad(k, 'an ISO date or date-time (2024-05-01 or 2024-05-01T08:00:00Z).');
      f[k] = new Date(v).toISOString();
    }
  }
  for (const k of ['limit', 'offset'] as const) {
    const v = src[k];
    if (v !== undefined) {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) return bad(k, 'a non-negative integer.');
      // Liberal in what we accept, strict in what we serve: a page is at most MAX_PAGE rows (`limit=1e9` gets 1000).
      f[k] = k === 'limit' ? Math.min(Math.max(n, 1), MAX_PAGE) : n;
    }
  }
  return f;
}

export function operatorRouter(pipeline: Pipeline): Router {
  const router = Router();
  const store = pipeline.store;

  router.get('/messages', async (req, res) => {
    audit(req, res, { action: 'message-list', query: queryOf(req) });
    const f = readFilter(req.query as Record<string, unknown>, res);
    if (!f) return;
    res.json({ total: await store.messages.count({ ...f, limit: undefined, offset: undefined }), limit: f.limit ?? 100, offset: f.offset ?? 0, messages: await store.messages.list(f) });
  });

  router.post('/messages/replay', async (req, res) => {
    const text = bodyText(req, res, JSON_TYPES);
    if (text === undefined) return;
    const body = parseJsonBody(res, text);
    if (body === undefined) return;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return sendError(res, 'INPUT_UNREADABLE', 'Body must be a JSON object of filters.');
    audit(req, res, { action: 'message-replay', query: text.slice(0, 2000) });
    const f = readFilter(body as Record<string, unknown>, res);
    if (!f) return;
    if (!f.state && !f.channel && !f.messageType && !f.controlId && !f.since && !f.until) {
      return sendOutcome(res, [issue('INPUT_UNREADABLE', 'Give at least one filter (state, channel, type, controlId, since, until): replaying everything is not done by accident.')], 400);
    }
    const maxRaw = (body as Record<string, unknown>).max;
    const max = maxRaw === undefined ? 1000 : Number(maxRaw);
    if (!Number.isInteger(max) || max < 1) return sendOutcome(res, [issue('INPUT_UNREADABLE', 'Parameter "max": a positive integer.', 'max')], 400);
    const r = await replayMatching(pipeline, f, max);
    audit(req, res, { action: 'message-replay', query: text.slice(0, 2000), detail: `${r.matched} matched` });
    res.json(r);
  });

  router.get('/messages/:id', async (req, res) => {
    // The raw message is PHI: every read of it is in the audit trail.
    audit(req, res, { action: 'message-read', entity: `message/${String(req.params.id)}` });
    const m = await messageOr404(req, res, pipeline);
    if (!m) return;
    const { rawBytes, ...row } = m;
    res.json({
      ...row,
      // The bytes as received are not JSON; their size says whether they differ from the text.
      rawByteLength: rawBytes?.length ?? null,
      parsed: m.contentType === 'hl7v2' ? (await explainHl7(m.raw)) ?? null : null,
      officeRecords: await store.officeRecords.of(m.id),
      // Every processing attempt (first run, replays, recovery), oldest first: a replay never erases the original outcome.
      attempts: await store.processing.attemptsOf(m.id),
    });
  });

  router.post('/messages/:id/replay', async (req, res) => {
    audit(req, res, { action: 'message-replay', entity: `message/${String(req.params.id)}` });
    const m = await messageOr404(req, res, pipeline);
    if (!m) return;
    const a = await replayOne(pipeline, m.id);
    res.json({ id: m.id, state: a?.state, ackCode: a?.ackCode, status: a?.httpStatus, issues: a?.issues ?? [] });
  });

  return router;
}

async function messageOr404(req: Request, res: Response, pipeline: Pipeline) {
  const id = Number(req.params.id);
  const m = Number.isInteger(id) && id > 0 ? await pipeline.store.messages.get(id) : undefined;
  if (!m) {
    sendError(res, 'NOT_FOUND', `No message ${String(req.params.id)}.`);
    return undefined;
  }
  return m;
}
