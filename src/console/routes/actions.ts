/**
 * The console's bulk actions: replay every message matching a filter (a confirmation page with the
 * count, a dry run, then progress while it runs), dead letters (replay one, or all of a
 * destination's), jobs (run one now). Each is recorded in the audit trail before it runs.
 */
import type { Request, Router } from 'express';
import { runJob } from '../../jobs/runner.js';
import { jobSpec } from '../../jobs/table.js';
import { dryRun } from '../../runtime/replay.js';
import type { MessageFilter, OutboxState } from '../../store/index.js';
import { filterQuery, readFilter, selects } from '../filter.js';
import { deliveriesPage, dryRunPage, jobsPage, replayConfirmPage, replayProgress, replayTaskPage } from '../pages/actions.js';
import { ReplayTasks } from '../replay-tasks.js';
import { errorPage, sessionOf, type ConsoleContext } from '../router.js';

/** At most this many messages per bulk replay (as POST /messages/replay's default). */
export const REPLAY_MAX = 1000;
/** A dry run previews at most this many messages. */
const DRY_RUN_MAX = 50;
const OUTBOX_STATES: readonly OutboxState[] = ['pending', 'in-flight', 'delivered', 'dead'];

export function actionRoutes(router: Router, ctx: ConsoleContext): void {
  const store = ctx.pipeline.store;
  const channels = ctx.config.channels.map((c) => c.name);
  const tasks = new ReplayTasks(ctx.pipeline, ctx.onReplay);

  /** The filter of a bulk replay (query or form), without paging; undefined after answering the page. */
  const bulkFilter = (src: Record<string, unknown>, res: Parameters<Parameters<Router['get']>[1]>[1]) => {
    const r = readFilter(src, ctx.config.practice.timezone, channels);
    if (r.errors.length) return void errorPage(res, 400, 'Replay messages', `The filter could not be used: ${r.errors.join(' ')}`);
    if (!selects(r.filter)) return void errorPage(res, 400, 'Replay messages', 'Choose at least one filter (channel, state, type, MSH-10, patient, dates or error code): replaying everything is not done by accident.');
    const { limit: _l, offset: _o, sort: _s, descending: _d, ...filter } = r.filter;
    return { fields: r.fields, filter: filter as MessageFilter, query: filterQuery(r.fields, { sort: undefined, dir: undefined }) };
  };

  router.get('/replay', async (req, res) => {
    const b = bulkFilter(req.query as Record<string, unknown>, res);
    if (!b) return;
    res.type('html').send(replayConfirmPage(sessionOf(res), b.fields, b.query, await store.messages.count(b.filter), REPLAY_MAX));
  });

  router.post('/replay', async (req, res) => {
    const b = bulkFilter(req.body as Record<string, unknown>, res);
    if (!b) return;
    const s = sessionOf(res);
    const ids = await store.messages.matchingIds(b.filter, REPLAY_MAX);
    try {
      await ctx.audit.record(req, { operator: s.operator, action: 'message-replay', query: b.query.slice(1), outcome: 'success', detail: `${ids.length} messages` });
    } catch (e) {
      ctx.log.error({ err: (e as Error).message }, 'console audit failed');
      return errorPage(res, 503, 'Not replayed', 'The audit trail could not record this replay, so it was not started.');
    }
    const t = tasks.start(s.operator, b.query, ids);
    res.redirect(303, `/console/replay/tasks/${t.id}`);
  });

  router.post('/replay/dry-run', async (req, res) => {
    const b = bulkFilter(req.body as Record<string, unknown>, res);
    if (!b) return;
    const s = sessionOf(res);
    const matched = await store.messages.count(b.filter);
    const ids = await store.messages.matchingIds(b.filter, DRY_RUN_MAX);
    await ctx.audit.record(req, { operator: s.operator, action: 'message-replay-dry-run', query: b.query.slice(1), outcome: 'success', detail: `${ids.length} of ${matched} messages previewed` });
    const d = await dryRun(ctx.pipeline, ids);
    res.type('html').send(dryRunPage(s, b.query, d.results, matched));
  });

  const task = (req: Request) => tasks.get(String(req.params.id));
  router.get('/replay/tasks/:id', (req, res) => {
    const t = task(req);
    if (!t) return errorPage(res, 404, 'No such replay', 'This replay is not known to the gateway (it restarted, or it is older than the last 20).');
    res.type('html').send(replayTaskPage(sessionOf(res), t));
  });
  router.get('/replay/tasks/:id/progress', (req, res) => {
    const t = task(req);
    if (!t) return errorPage(res, 404, 'No such replay', 'Unknown replay.');
    res.type('html').send(replayProgress(t).text);
  });

  // Deliveries and dead letters.
  router.get('/deliveries', async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const destination = typeof q.destination === 'string' ? q.destination : '';
    const state = typeof q.state === 'string' ? q.state : '';
    const destinations = [...new Set([...Object.keys(ctx.jobs?.config.destinations ?? {}), ...(await store.outbox.counts()).map((c) => c.destination)])].sort();
    const notice = typeof q.replayed === 'string' && /^\d+$/.test(q.replayed) ? `${q.replayed} dead deliver${q.replayed === '1' ? 'y' : 'ies'} put back in the queue.` : undefined;
    if (state && !OUTBOX_STATES.includes(state as OutboxState)) {
      return void res.status(400).type('html').send(deliveriesPage(sessionOf(res), { destination, state: '', destinations, items: [], deadCount: 0, error: `State: one of ${OUTBOX_STATES.join(', ')}.` }));
    }
    const items = await store.outbox.list({ limit: 100, ...(destination ? { destination } : {}), ...(state ? { state: state as OutboxState } : {}) });
    const dead = (await store.outbox.counts()).filter((c) => c.state === 'dead' && (!destination || c.destination === destination)).reduce((n, c) => n + c.count, 0);
    res.type('html').send(deliveriesPage(sessionOf(res), { destination, state, destinations, items, deadCount: dead, notice }));
  });

  router.post('/deliveries/replay', async (req, res) => {
    const s = sessionOf(res);
    const d = (req.body as Record<string, unknown>).destination;
    const destination = typeof d === 'string' && d !== '' ? d : undefined;
    await ctx.audit.record(req, { operator: s.operator, action: 'deadletter-replay', query: destination ? `destination=${destination}` : undefined, outcome: 'success' });
    const n = await store.outbox.replayAllDead(destination ? { destination } : {});
    ctx.onReplay?.();
    res.redirect(303, `/console/deliveries?${new URLSearchParams({ ...(destination ? { destination } : {}), replayed: String(n) }).toString()}`);
  });

  router.post('/deliveries/:id/replay', async (req, res) => {
    const s = sessionOf(res);
    const raw = String(req.params.id);
    const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
    const item = Number.isSafeInteger(id) ? await store.outbox.get(id) : undefined;
    if (!item) return errorPage(res, 404, 'No such delivery', `There is no delivery "${raw}".`);
    if (item.state !== 'dead') return errorPage(res, 409, 'Not a dead letter', `Delivery #${id} is ${item.state}, not dead: nothing to replay.`);
    await ctx.audit.record(req, { operator: s.operator, action: 'deadletter-replay', entity: `outbox/${id}`, outcome: 'success' });
    const ok = await store.outbox.replayDead(id);
    ctx.onReplay?.();
    res.redirect(303, `/console/deliveries?${new URLSearchParams({ destination: item.destination, replayed: ok ? '1' : '0' }).toString()}`);
  });

  // Jobs.
  router.get('/jobs', async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const name = typeof q.ran === 'string' && jobSpec(q.ran) ? q.ran : undefined;
    const outcome = typeof q.outcome === 'string' && ['ok', 'failed', 'skipped'].includes(q.outcome) ? q.outcome : undefined;
    const notice = name && outcome ? { kind: outcome === 'failed' ? 'error' as const : 'ok' as const, text: `${name} ran: ${outcome}.` } : undefined;
    res.type('html').send(jobsPage(sessionOf(res), { runs: await store.jobs.recentRuns(200), canRun: ctx.jobs !== undefined, notice }));
  });

  router.post('/jobs/:name/run', async (req, res) => {
    const s = sessionOf(res);
    const name = String(req.params.name);
    if (!jobSpec(name)) return errorPage(res, 404, 'No such job', `There is no job "${name}".`);
    if (!ctx.jobs) return errorPage(res, 409, 'Jobs are not running here', 'This gateway process does not run jobs; use `frontdesk job run`.');
    await ctx.audit.record(req, { operator: s.operator, action: 'job-run', entity: `job/${name}`, outcome: 'success' });
    const r = await runJob(name, ctx.jobs, 'api');
    res.redirect(303, `/console/jobs?ran=${encodeURIComponent(name)}&outcome=${r.outcome}#job-${name}`);
  });
}
