/**
 * The delivery worker: drains the outbox every `pollMs`, and sleeps in between. stop() lets the
 * pass in progress finish (its results are recorded) and closes partner connections.
 *
 * Leases: the worker leases rows as `holder` (its instance and a boot id made at each start) and
 * renews them while their delivery runs, so a lease can be short. The gateway's worker
 * (`reclaimOnStart`) first takes back what earlier boots of its instance left in flight: after a
 * crash nothing waits for a lease to run out.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../logging.js';
import type { LeaseHolder, Store } from '../store/index.js';
import type { BillingStatusOf } from './claims.js';
import type { Destinations } from './config.js';
import { Dispatcher } from './dispatch.js';
import { drainOnce as drain, type DrainOptions, type DrainSummary } from './drain.js';

export interface DeliveryWorkerDeps {
  store: Store;
  destinations: Destinations;
  logger?: Logger;
  now?: () => Date;
  random?: () => number;
  /** How often to look for due items. Default 1000 ms. */
  pollMs?: number;
  /** Billing's ClaimResponse -> office billing status, when billing provides one. */
  billingStatusOf?: BillingStatusOf;
  /** Start the polling loop (default true); false gives a worker driven by drainOnce only (tests, CLI). */
  autoStart?: boolean;
  /**
   * The instance this worker delivers for (the gateway's configured name). Default: a name of
   * this process alone (`worker@<host>/<pid>`), which no later process shares.
   */
  instance?: string;
  /**
   * Before the first pass, take back the rows that earlier boots of `instance` left in flight
   * (only the gateway, which is the one process of its instance, may do this). Default false.
   */
  reclaimOnStart?: boolean;
  /** Lease length (default LEASE_MS in drain.ts); renewed while a delivery runs. */
  leaseMs?: number;
}

export interface DeliveryWorker {
  stop(): Promise<void>;
  /** One pass now; resolves to the number of attempts made. */
  drainOnce(opts?: DrainOptions): Promise<number>;
  /** Like drainOnce, with the breakdown. */
  drain(opts?: DrainOptions): Promise<DrainSummary>;
  readonly dispatcher: Dispatcher;
  /** Who this worker's leases name. */
  readonly holder: LeaseHolder;
  /** Resolves once the start-up reclaim is done (at once without reclaimOnStart); to how many rows it took back. */
  readonly ready: Promise<number>;
  /** Look at the queue now instead of at the next poll (after an operator's replay); no-op without the polling loop. */
  wake(): void;
}

export function startDeliveryWorker(deps: DeliveryWorkerDeps): DeliveryWorker {
  const now = deps.now ?? (() => new Date());
  const dispatcher = new Dispatcher(deps.destinations, now);
  const holder: LeaseHolder = { instance: deps.instance ?? `worker@${hostname()}/${process.pid}/${randomUUID()}`, boot: randomUUID() };
  const ctx = {
    store: deps.store, dispatcher, logger: deps.logger, now, holder, leaseMs: deps.leaseMs,
    ...(deps.random ? { random: deps.random } : {}), billingStatusOf: deps.billingStatusOf,
  };
  const ready = deps.reclaimOnStart
    ? deps.store.outbox.reclaimAbandoned(holder, now()).then((n) => {
      if (n > 0) deps.logger?.info({ instance: holder.instance, reclaimed: n }, 'took back deliveries left in flight by an earlier run');
      return n;
    })
    : Promise.resolve(0);
  // Every pass waits for the reclaim: an abandoned row is pending again before anything is leased.
  let running: Promise<unknown> = ready.catch((e: Error) => {
    deps.logger?.error({ err: { name: e.name, message: e.message } }, 'taking back abandoned deliveries failed');
  });
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  /** A pass of the loop is running; a wake() then asks for the next one at once. */
  let inLoopPass = false;
  let wakeAfterPass = false;

  // Passes never overlap: each waits for the one before (a job and the loop may both ask).
  const pass = (opts?: DrainOptions): Promise<DrainSummary> => {
    const p = running.then(() => drain(ctx, opts));
    running = p.catch(() => undefined);
    return p;
  };

  const loop = async (): Promise<void> => {
    if (stopped) return;
    inLoopPass = true;
    try {
      await pass();
    } catch (e) {
      deps.logger?.error({ err: { name: (e as Error).name, message: (e as Error).message } }, 'delivery pass failed');
    } finally {
      inLoopPass = false;
    }
    if (!stopped) timer = setTimeout(() => void loop(), wakeAfterPass ? 0 : deps.pollMs ?? 1000);
    wakeAfterPass = false;
  };
  if (deps.autoStart !== false) timer = setTimeout(() => void loop(), 0);

  return {
    dispatcher,
    holder,
    ready,
    drain: pass,
    drainOnce: async (opts) => (await pass(opts)).attempted,
    wake() {
      if (stopped || deps.autoStart === false) return;
      if (inLoopPass) {
        wakeAfterPass = true;
        return;
      }
      // Waiting for the next poll: poll now instead (one loop only: the pending timer is replaced).
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void loop(), 0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      dispatcher.close();
    },
  };
}
