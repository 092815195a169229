/**
 * Operator endpoints for deliveries and jobs (scope "operator"; the app mounts this router behind
 * authorize('operator') and the raw body reader). JSON; errors as OperationOutcome.
 *   GET  /deliveries?state=&destination=&limit=   outbox items (payloads left out: they hold PHI)
 *   GET  /deliveries/:id[?payload=true]           one item, its attempts and the partner's last answer
 *                                                 (an HL7 ACK also read out as partnerAck: MSA-1, MSA-3, ERR)
 *   POST /deliveries/:id/replay                   dead letter -> pending, due now (409 when not dead)
 *   POST /deliveries/replay                       every dead item, JSON body { "destination"?: "ehr" }
 *   GET  /jobs                                    recent job runs
 *   POST /jobs/:name/run                          run one job once now (when the app has the jobs)
 * The job context and the worker to wake are the composition root's (src/main.ts): this router
 * builds no delivery pieces of its own.
 */
import { Router, type Response } from 'express';
import type { JobDeps } from '../jobs/context.js';
import { recentJobRuns, runJob } from '../jobs/runner.js';
import { jobSpec } from '../jobs/table.js';
import type { OutboxItem, OutboxState, Store } from '../store/index.js';
import { bodyText, JSON_TYPES, parseJsonBody } from './body.js';
import { sendError } from './outcome.js';
import { partnerAckOf } from '../delivery/ack-report.js';
import { audit, queryOf } from './audit.js';

const STATES: readonly OutboxState[] = ['pending', 'in-flight', 'delivered', 'dead'];
/** Paths this router serves (for the app's authorize/body mounting). */
export const DELIVERY_PATHS = ['/deliveries', '/jobs'];

export interface DeliveryRoutesDeps {
  store: Store;
  /** When given, POST /jobs/:name/run is available. */
  jobs?: JobDeps | undefined;
  /** Called after a replay so the worker can look at the queue now instead of at its next poll. */
  onReplay?: (() => void) | undefined;
}

const withoutPayload = ({ payload: _p, ...rest }: OutboxItem) => rest;

function idParam(raw: string | string[] | undefined, res: Response): number | undefined {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    sendError(res, 'INPUT_UNREADABLE', `Delivery id must be a positive integer; got "${String(raw)}".`, 'id');
    return undefined;
  }
  return n;
}

export function deliveryRouter(deps: DeliveryRoutesDeps): Router {
  const router = Router();
  const { store } = deps;

  router.get('/deliveries', async (req, res) => {
    audit(req, res, { action: 'delivery-list', query: queryOf(req) });
    const q = req.query as Record<string, unknown>;
    const state = typeof q.state === 'string' && q.state !== '' ? q.state : undefined;
    if (state !== undefined && !STATES.includes(state as OutboxState)) return sendError(res, 'INPUT_UNREADABLE', `Parameter "state": one of ${STATES.join(', ')}.`, 'state');
    const limit = q.limit === undefined ? 100 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return sendError(res, 'INPUT_UNREADABLE', 'Parameter "limit": an integer from 1 to 1000.', 'limit');
    const destination = typeof q.destination === 'string' && q.destination !== '' ? q.destination : undefined;
    const items = await store.outbox.list({ limit, ...(state ? { state: state as OutboxState } : {}), ...(destination ? { destination } : {}) });
    res.json({ deliveries: items.map(withoutPayload) });
  });

  router.post('/deliveries/replay', async (req, res) => {
    let destination: string | undefined;
    const hasBody = Buffer.isBuffer(req.body) && (req.body as Buffer).length > 0;
    if (hasBody) {
      const text = bodyText(req, res, JSON_TYPES);
      if (text === undefined) return;
      const body = parseJsonBody(res, text);
      if (body === undefined) return;
      const d = (body as { destination?: unknown } | null)?.destination;
      if (d !== undefined && typeof d !== 'string') return sendError(res, 'INPUT_UNREADABLE', '"destination" must be a string.', 'destination');
      destination = d;
    }
    audit(req, res, { action: 'deadletter-replay', ...(destination ? { entity: `destination/${destination}` } : {}) });
    const replayed = await store.outbox.replayAllDead(destination ? { destination } : {});
    deps.onReplay?.();
    audit(req, res, { action: 'deadletter-replay', ...(destination ? { entity: `destination/${destination}` } : {}), detail: `${replayed} replayed` });
    res.json({ replayed });
  });

  router.get('/deliveries/:id', async (req, res) => {
    const id = idParam(req.params.id, res);
    if (id === undefined) return;
    audit(req, res, { action: req.query.payload === 'true' ? 'delivery-read-payload' : 'delivery-read', entity: `outbox/${id}` });
    const item = await store.outbox.get(id);
    if (!item) return sendError(res, 'NOT_FOUND', `No delivery ${id}.`);
    const full = req.query.payload === 'true';
    const partnerAck = partnerAckOf(item.partnerResponse);
    res.json({ ...(full ? item : withoutPayload(item)), ...(partnerAck ? { partnerAck } : {}), attempts: await store.outbox.attemptsOf(id) });
  });

  router.post('/deliveries/:id/replay', async (req, res) => {
    const id = idParam(req.params.id, res);
    if (id === undefined) return;
    audit(req, res, { action: 'deadletter-replay', entity: `outbox/${id}` });
    const item = await store.outbox.get(id);
    if (!item) return sendError(res, 'NOT_FOUND', `No delivery ${id}.`);
    if (!(await store.outbox.replayDead(id))) return sendError(res, 'MAP_CONFLICT', `Delivery ${id} is ${item.state}, not dead-lettered: nothing to replay.`);
    deps.onReplay?.();
    res.json({ replayed: 1, delivery: withoutPayload((await store.outbox.get(id))!) });
  });

  router.get('/jobs', async (req, res) => {
    audit(req, res, { action: 'job-list' });
    res.json({ runs: await recentJobRuns({ store }) });
  });

  router.post('/jobs/:name/run', async (req, res) => {
    const name = String(req.params.name);
    audit(req, res, { action: 'job-run', entity: `job/${name}` });
    if (!jobSpec(name)) return sendError(res, 'NOT_FOUND', `No job "${name}".`);
    if (!deps.jobs) return sendError(res, 'NOT_FOUND', 'Jobs are not running in this gateway.');
    const r = await runJob(name, deps.jobs, 'api');
    res.status(r.outcome === 'failed' ? 500 : 200).json(r);
  });

  return router;
}
