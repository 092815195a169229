/**
 * The builders the composition root (src/main.ts) and the CLI share, so the gateway and a
 * `frontdesk job run` get their delivery worker and job context made the same way, from the one
 * typed configuration (src/config.ts), never by parsing the delivery sections again; and the
 * gateway and `frontdesk messages replay` the same answers (the renderers every Pipeline is given).
 */
import type { GatewayConfig } from './config.js';
import { applicationAck, commitAck } from './hl7/ack.js';
import { httpAnswer } from './http/answer.js';
import type { AnswerRenderers } from './runtime/answers.js';
import { startDeliveryWorker, type DeliveryWorker } from './delivery/worker.js';
import type { JobDeps } from './jobs/context.js';
import type { Logger } from './logging.js';
import type { Store } from './store/index.js';

/** What every job run gets: the store, the delivery configuration, the running worker when there is one. */
export function jobDepsFor(store: Store, config: GatewayConfig, extra: { worker?: DeliveryWorker | undefined; logger?: Logger | undefined } = {}): JobDeps {
  return { store, config: config.delivery, worker: extra.worker, logger: extra.logger, practiceName: config.practice.name, ...(config.billing ? { billing: config.billing } : {}) };
}

export interface Delivery {
  worker: DeliveryWorker;
  /** The job context of this gateway: its jobs (scheduled, or run over HTTP) drain with this worker. */
  jobDeps: JobDeps;
}

/** The delivery worker (polling the outbox) and the job context around it. */
export function buildDelivery(store: Store, config: GatewayConfig, logger?: Logger, opts: { pollMs?: number } = {}): Delivery {
  // The gateway's worker is its instance's one worker: it takes back what its earlier runs left in flight.
  const worker = startDeliveryWorker({
    store, destinations: config.delivery.destinations, instance: config.instance, reclaimOnStart: true,
    ...(logger ? { logger } : {}), ...(opts.pollMs ? { pollMs: opts.pollMs } : {}),
  });
  return { worker, jobDeps: jobDepsFor(store, config, { worker, logger }) };
}

/** How the edges answer a processing outcome: the HL7 ACKs (src/hl7/ack.ts) and the HTTP answers (src/http/answer.ts). */
export const answerRenderers: AnswerRenderers = {
  commitAck,
  hl7: (message, run) => applicationAck(message, run.state, run.issues),
  http: httpAnswer,
};
