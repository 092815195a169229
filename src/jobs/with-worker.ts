/** Run a drain on the shared worker, or on a short-lived one (CLI runs) that is stopped afterwards. */
import { startDeliveryWorker, type DeliveryWorker } from '../delivery/worker.js';
import type { JobDeps } from './context.js';

export async function withWorker<T>(deps: JobDeps, fn: (w: DeliveryWorker) => Promise<T>): Promise<T> {
  if (deps.worker) return fn(deps.worker);
  const w = startDeliveryWorker({
    store: deps.store, destinations: deps.config.destinations, autoStart: false,
    ...(deps.logger ? { logger: deps.logger } : {}), ...(deps.now ? { now: deps.now } : {}),
    ...(deps.billingStatusOf ? { billingStatusOf: deps.billingStatusOf } : {}),
  });
  try {
    return await fn(w);
  } finally {
    await w.stop();
  }
}
