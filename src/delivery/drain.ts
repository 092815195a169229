/**
 * One pass over the outbox: lease what is due, deliver, and record each outcome. Items of one
 * pass are sent concurrently; per-patient order holds because claimDue never leases two
 * undelivered items of the same destination and ordering key.
 */
import type { Logger } from '../logging.js';
import type { LeaseHolder, OutboxItem, Store } from '../store/index.js';
import { recordClaimAnswer, type BillingStatusOf } from './claims.js';
import { DEFAULT_RETRY } from './config.js';
import type { Dispatcher } from './dispatch.js';
import { decideRetry } from './retry.js';
import { ERROR_CODES } from '../domain/errors.js';
import { mayCarryAnswer, readPartnerAnswer } from './partner-answer.js';

export interface DrainContext {
  store: Store;
  dispatcher: Dispatcher;
  logger?: Logger | undefined;
  now: () => Date;
  random?: () => number;
  billingStatusOf?: BillingStatusOf | undefined;
  /** Recorded on the leases (the worker's instance and boot), renewed while their delivery runs. */
  holder?: LeaseHolder | undefined;
  /** Lease length (default LEASE_MS); renewed every third of it while the delivery is alive. */
  leaseMs?: number | undefined;
}

export interface DrainOptions {
  /** Only these destinations. */
  destinations?: readonly string[];
  /** Also send first attempts to batch destinations (the claim-batch job). */
  includeBatch?: boolean;
  limit?: number;
}

export interface DrainSummary {
  attempted: number;
  delivered: number;
  retrying: number;
  dead: number;
}

export async function drainOnce(ctx: DrainContext, opts: DrainOptions = {}): Promise<DrainSummary> {
  const sum: DrainSummary = { attempted: 0, delivered: 0, retrying: 0, dead: 0 };
  const batch = opts.includeBatch ? [] : ctx.dispatcher.batchDestinations();
  // Lease again while the round delivered something: a delivered A04 releases its A08 in the
  // same pass. A failed item is not retried within the pass, whatever its backoff.
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const leaseMs = ctx.leaseMs ?? LEASE_MS;
    const items = await ctx.store.outbox.claimDue({
      now: ctx.now(), limit: opts.limit ?? 20, holdFirstAttempt: batch, leaseMs,
      ...(ctx.holder ? { holder: ctx.holder } : {}),
      ...(opts.destinations ? { destinations: opts.destinations } : {}),
    });
    if (items.length === 0) break;
    const before = sum.delivered;
    const stopRenewing = renewWhileAlive(ctx, items, leaseMs);
    try {
      await Promise.all(items.map(async (item) => {
        try {
          await deliverOne(ctx, item, sum);
        } finally {
          stopRenewing.done(item.id);
        }
      }));
    } finally {
      stopRenewing.stop();
    }
    if (sum.delivered === before) break;
  }
  return sum;
}

const MAX_ROUNDS = 50;
/**
 * How long a leased row is ours before another process may take it over. Short, because it is
 * renewed every third of it while its delivery is alive (a round to a slow MLLP partner, sends in
 * lock-step, can take longer than any fixed lease); a row whose process died is free again after
 * at most this long, and at once when that instance starts again (reclaimAbandoned at start).
 */
export const LEASE_MS = 30_000;

/** Renew the leases of a round's rows still being delivered, every third of the lease, until stopped. */
function renewWhileAlive(ctx: DrainContext, items: readonly OutboxItem[], leaseMs: number): { done(id: number): void; stop(): void } {
  const alive = new Set(items.map((i) => i.id));
  const holder = ctx.holder;
  if (!holder) return { done: (id) => alive.delete(id), stop: () => undefined };
  const timer = setInterval(() => {
    if (alive.size === 0) return;
    const now = ctx.now();
    ctx.store.outbox.renewLeases([...alive], holder, new Date(now.getTime() + leaseMs), now).catch((e: Error) => {
      ctx.logger?.warn({ err: { name: e.name, message: e.message } }, 'lease renewal failed');
    });
  }, Math.max(1, Math.floor(leaseMs / 3)));
  timer.unref();
  return { done: (id) => alive.delete(id), stop: () => clearInterval(timer) };
}

async function deliverOne(ctx: DrainContext, item: OutboxItem, sum: DrainSummary): Promise<void> {
  sum.attempted++;
  const outcome = await ctx.dispatcher.deliver(item);
  const now = ctx.now();
  const log = ctx.logger;
  const isClaim = item.kind === 'claim';
  const answers = mayCarryAnswer(item, ctx.dispatcher.destination(item.destination)?.type);
  if (outcome.ok) {
    await ctx.store.outbox.markDelivered(item.id, { partnerStatus: outcome.partnerStatus, partnerResponse: outcome.partnerResponse }, now);
    if (isClaim) await recordClaimAnswer(ctx.store.claims, item, outcome, true, now, ctx.billingStatusOf);
    // A real-time answer in the response body (999, 271, CoverageEligibilityResponse) is posted like a picked-up file.
    if (answers) await readPartnerAnswer(ctx.store, item, outcome.partnerResponse, now, log);
    sum.delivered++;
    log?.info({ outboxId: item.id, destination: item.destination, kind: item.kind, attempt: item.attempts, partnerStatus: outcome.partnerStatus }, 'delivered');
    return;
  }
  const policy = ctx.dispatcher.destination(item.destination)?.retry ?? DEFAULT_RETRY;
  const decision = decideRetry(outcome, item.attempts, policy, now, ctx.random);
  const rep = { errorCode: outcome.errorCode, error: outcome.error, partnerStatus: outcome.partnerStatus, partnerResponse: outcome.partnerResponse };
  if (decision.action === 'retry') {
    await ctx.store.outbox.scheduleRetry(item.id, decision.at, rep, now);
    sum.retrying++;
    log?.warn({ outboxId: item.id, destination: item.destination, kind: item.kind, attempt: item.attempts, code: outcome.errorCode, error: outcome.error, nextAttemptAt: decision.at.toISOString() }, 'delivery failed, will retry');
    return;
  }
  await ctx.store.outbox.markDead(item.id, { ...rep, error: `${outcome.error}; ${decision.reason}` }, now);
  if (isClaim) await recordClaimAnswer(ctx.store.claims, item, outcome, true, now, ctx.billingStatusOf);
  // Refused for good: a 4xx may carry a 999 that rejects the interchange.
  if (answers && outcome.partnerStatus && !ERROR_CODES[outcome.errorCode].retry) await readPartnerAnswer(ctx.store, item, outcome.partnerResponse, now, log);
  sum.dead++;
  log?.error({ outboxId: item.id, destination: item.destination, kind: item.kind, attempt: item.attempts, code: outcome.errorCode, error: outcome.error }, 'delivery dead-lettered');
}
