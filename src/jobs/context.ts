/** What every job gets: the store, the delivery configuration, a worker to drain with, a clock. */
import type { BillingStatusOf } from '../delivery/claims.js';
import type { DeliveryConfig } from '../delivery/config.js';
import type { DeliveryWorker } from '../delivery/worker.js';
import type { Logger } from '../logging.js';
import type { Store } from '../store/index.js';
import type { BillingIdentity } from '../billing/identity.js';

export interface JobDeps {
  store: Store;
  config: DeliveryConfig;
  /** The running delivery worker (drains share its clients and never overlap its passes); one is made per run when absent. */
  worker?: DeliveryWorker | undefined;
  logger?: Logger | undefined;
  now?: (() => Date) | undefined;
  billingStatusOf?: BillingStatusOf | undefined;
  /** Signs reminder texts. */
  practiceName?: string | undefined;
  /** The practice's billing identity: a clearinghouse named under it gets X12 (270 eligibility inquiries). */
  billing?: BillingIdentity | undefined;
}

/** What a job reports (kept in job_runs.summary and printed by `frontdesk job run`). */
export type JobSummary = Record<string, number | string | string[]>;
