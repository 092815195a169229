/**
 * The message browser and message view, and the actions on one message: reveal its PHI, replay it,
 * dry-run a replay (the diff of its outputs). Each is recorded in the audit trail (../audit.ts)
 * before it happens; a reveal or replay whose record cannot be written is refused.
 */
import type { Request, Response, Router } from 'express';
import { explainHl7 } from '../../runtime/explain.js';
import { dryRun, replayOne } from '../../runtime/replay.js';
import { diffList } from '../pages/diff.js';
import { MESSAGE_STATES, type MessageState } from '../../store/index.js';
import { readFilter } from '../filter.js';
import { html } from '../html.js';
import { page } from '../layout.js';
import { messagesPage } from '../pages/messages.js';
import { messagePage } from '../pages/message.js';
import { errorPage, sessionOf, type ConsoleContext } from '../router.js';
import { queryOf } from '../../http/audit.js';

export function messageRoutes(router: Router, ctx: ConsoleContext): void {
  const store = ctx.pipeline.store;
  const channels = ctx.config.channels.map((c) => c.name);

  router.get('/messages', async (req, res) => {
    const r = readFilter(req.query as Record<string, unknown>, ctx.config.practice.timezone, channels);
    const view = { fields: r.fields, channels, errors: r.errors };
    if (r.errors.length) return void res.status(400).type('html').send(messagesPage(sessionOf(res), view));
    const { limit: _l, offset: _o, sort: _s, descending: _d, ...countFilter } = r.filter;
    // A list shows (masked) patients and its filter may name one: recorded like GET /messages.
    await ctx.audit.record(req, { operator: sessionOf(res).operator, action: 'message-list', query: queryOf(req), outcome: 'success' });
    const [total, rows] = await Promise.all([store.messages.count(countFilter), store.messages.list(r.filter)]);
    res.type('html').send(messagesPage(sessionOf(res), { ...view, result: { total, page: r.page, rows } }));
  });

  async function load(req: Request, res: Response) {
    const raw = String(req.params.id);
    const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
    const m = Number.isSafeInteger(id) && id > 0 ? await store.messages.get(id) : undefined;
    if (!m) {
      errorPage(res, 404, 'No such message', `There is no message "${raw}" in this gateway's store.`);
      return undefined;
    }
    return m;
  }

  async function view(req: Request, res: Response, revealed: boolean, notice?: { kind: 'ok' | 'error'; text: string }) {
    const m = await load(req, res);
    if (!m) return;
    if (!revealed) await ctx.audit.record(req, { operator: sessionOf(res).operator, action: 'message-read', entity: `message/${m.id}`, outcome: 'success' });
    const [explained, attempts, deliveries, officeRecords] = await Promise.all([
      m.contentType === 'hl7v2' ? explainHl7(m.raw) : Promise.resolve(undefined),
      store.processing.attemptsOf(m.id),
      store.outbox.list({ messageId: m.id, limit: 100 }),
      store.officeRecords.of(m.id),
    ]);
    res.type('html').send(messagePage(sessionOf(res), { message: m, explained, attempts, deliveries, officeRecords, revealed, notice }));
  }

  router.get('/messages/:id', async (req, res) => {
    // What an action did, told by the page it redirected to (only known words are shown).
    const state = typeof req.query.replayed === 'string' && MESSAGE_STATES.includes(req.query.replayed as MessageState) ? req.query.replayed : undefined;
    await view(req, res, false, state ? { kind: 'ok', text: `Replayed: the message is now ${state}.` } : undefined);
  });

  router.post('/messages/:id/reveal', async (req, res) => {
    const m = await load(req, res);
    if (!m) return;
    const s = sessionOf(res);
    try {
      await ctx.audit.record(req, { operator: s.operator, action: 'reveal', entity: `message/${m.id}`, outcome: 'success' });
    } catch (e) {
      ctx.log.error({ err: (e as Error).message }, 'console audit failed');
      return errorPage(res, 503, 'Not revealed', 'The audit trail could not record this reveal, so the PHI stays masked.');
    }
    await view(req, res, true, { kind: 'ok', text: `PHI of message #${m.id} revealed to ${s.operator}; this is recorded in the audit trail.` });
  });

  router.post('/messages/:id/replay', async (req, res) => {
    const m = await load(req, res);
    if (!m) return;
    const s = sessionOf(res);
    try {
      await ctx.audit.record(req, { operator: s.operator, action: 'message-replay', entity: `message/${m.id}`, outcome: 'success', detail: `was ${m.state}` });
    } catch (e) {
      ctx.log.error({ err: (e as Error).message }, 'console audit failed');
      return errorPage(res, 503, 'Not replayed', 'The audit trail could not record this replay, so it was not done.');
    }
    const a = await replayOne(ctx.pipeline, m.id);
    ctx.onReplay?.();
    res.redirect(303, `/console/messages/${m.id}?replayed=${a?.state ?? 'received'}`);
  });

  router.post('/messages/:id/dry-run', async (req, res) => {
    const m = await load(req, res);
    if (!m) return;
    const s = sessionOf(res);
    await ctx.audit.record(req, { operator: s.operator, action: 'message-replay-dry-run', entity: `message/${m.id}`, outcome: 'success' });
    const d = (await dryRun(ctx.pipeline, [m.id])).results[0]!;
    const body = 'missing' in d
      ? html`<p>The message could not be previewed.</p>`
      : html`<p>Stored outcome <strong>${d.before.state}</strong> (${d.before.code ?? '—'}); a replay now would give <strong>${d.after.state}</strong> (${d.after.code ?? '—'}). Nothing was written.</p>
<h2>Output values (stored → now; PHI masked)</h2>
${diffList(d.changes, 200)}
<p><a href="/console/messages/${m.id}">Back to message #${m.id}</a></p>`;
    res.type('html').send(page({ title: `Dry run of message #${m.id}`, session: s, active: 'messages', body }));
  });
}
