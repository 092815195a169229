/**
 * What the dashboard shows, gathered from the store: per channel the received / processed / error
 * / rejected / failed / duplicate counts today (since midnight in the practice's timezone) and in
 * total, messages received in the last hour, the age of the oldest unprocessed message; per
 * destination the pending / in-flight / dead outbox rows and the last error; per job its last
 * run, outcome and next run (from its cron schedule).
 */
import { createTask } from 'node-cron';
import { JOBS } from '../jobs/table.js';
import type { DeliveryConfig } from '../delivery/config.js';
import { MESSAGE_STATES, type MessageState, type Store } from '../store/index.js';
import { localDate } from '../jobs/time.js';

export interface ChannelRow {
  channel: string;
  today: Record<MessageState, number> & { duplicate: number; all: number };
  total: Record<MessageState, number> & { duplicate: number; all: number };
  lastHour: number;
  oldestUnprocessed: string | null;
}

export interface DestinationRow {
  destination: string;
  pending: number;
  inFlight: number;
  dead: number;
  delivered: number;
  lastError: { at: string; code: string | null; error: string | null } | null;
}

export interface JobRow {
  name: string;
  description: string;
  schedule: string | null;
  lastRun: { startedAt: string; outcome: string | null; trigger: string } | null;
  nextRun: string | null;
}

export interface Dashboard {
  at: string;
  channels: ChannelRow[];
  destinations: DestinationRow[];
  jobs: JobRow[];
}

const zero = (): Record<MessageState, number> & { duplicate: number; all: number } =>
  ({ ...(Object.fromEntries(MESSAGE_STATES.map((s) => [s, 0])) as Record<MessageState, number>), duplicate: 0, all: 0 });

/** Midnight of `now`'s local date in `timeZone`, as an instant (the offset taken at that midnight's noon is close enough across DST). */
export function startOfLocalDay(now: Date, timeZone: string): Date {
  const date = localDate(now, timeZone);
  const guess = new Date(`${date}T00:00:00Z`);
  // The zone's offset at that instant: what its wall clock reads minus UTC.
  const wall = new Date(new Date(guess).toLocaleString('en-US', { timeZone }) + ' UTC');
  const offset = wall.getTime() - guess.getTime();
  return new Date(guess.getTime() - offset);
}

/** The next run of a cron schedule in a timezone (node-cron computes it; the task is never started). */
export function nextRunOf(schedule: string, timeZone: string): string | null {
  try {
    const task = createTask(schedule, () => {}, { timezone: timeZone });
    const next = task.getNextRun();
    void task.destroy();
    return next ? next.toISOString() : null;
  } catch {
    return null;
  }
}

export interface DashboardDeps {
  store: Store;
  channels: readonly string[];
  timeZone: string;
  /** The delivery configuration: destinations listed even when their outbox is empty, job schedules. */
  delivery?: DeliveryConfig | undefined;
  /** Whether this gateway runs the job schedule (else no next run is shown). */
  jobsScheduled: boolean;
}

export async function gatherDashboard(deps: DashboardDeps, now: Date = new Date()): Promise<Dashboard> {
  const { store } = deps;
  const stats = await store.messages.channelStats(startOfLocalDay(now, deps.timeZone), new Date(now.getTime() - 3600_000));
  const channels = new Map<string, ChannelRow>();
  const row = (c: string) => {
    let r = channels.get(c);
    if (!r) channels.set(c, (r = { channel: c, today: zero(), total: zero(), lastHour: 0, oldestUnprocessed: null }));
    return r;
  };
  for (const c of deps.channels) row(c);
  for (const s of stats.byState) {
    const r = row(s.channel);
    r.total[s.state] += s.total;
    r.total.all += s.total;
    r.total.duplicate += s.duplicatesTotal;
    r.today[s.state] += s.today;
    r.today.all += s.today;
    r.today.duplicate += s.duplicatesToday;
  }
  for (const h of stats.lastHour) row(h.channel).lastHour = h.count;
  for (const o of stats.oldestUnprocessed) row(o.channel).oldestUnprocessed = o.receivedAt;

  const destinations = new Map<string, DestinationRow>();
  const dest = (d: string) => {
    let r = destinations.get(d);
    if (!r) destinations.set(d, (r = { destination: d, pending: 0, inFlight: 0, dead: 0, delivered: 0, lastError: null }));
    return r;
  };
  for (const d of Object.keys(deps.delivery?.destinations ?? {})) dest(d);
  for (const c of await store.outbox.counts()) {
    const r = dest(c.destination);
    if (c.state === 'pending') r.pending = c.count;
    else if (c.state === 'in-flight') r.inFlight = c.count;
    else if (c.state === 'dead') r.dead = c.count;
    else r.delivered = c.count;
  }
  for (const e of await store.outbox.lastErrors()) dest(e.destination).lastError = { at: e.at, code: e.errorCode, error: e.error };

  const runs = await store.jobs.recentRuns(500);
  const jobs: JobRow[] = JOBS.map((spec) => {
    const setting = deps.delivery?.jobs.settings[spec.name] ?? { enabled: true };
    const schedule = setting.enabled ? (setting.schedule ?? spec.schedule) : null;
    const last = runs.find((r) => r.job === spec.name);
    return {
      name: spec.name,
      description: spec.description,
      schedule,
      lastRun: last ? { startedAt: last.startedAt, outcome: last.outcome, trigger: last.trigger } : null,
      nextRun: schedule && deps.jobsScheduled ? nextRunOf(schedule, deps.delivery?.jobs.timezone ?? deps.timeZone) : null,
    };
  });
  return { at: now.toISOString(), channels: [...channels.values()], destinations: [...destinations.values()], jobs };
}
