/**
 * Prometheus metrics in the text exposition format (version 0.0.4), no client library needed.
 * Counters are per channel and count since process start; gauges are read from the store at
 * scrape time (messages by channel and state, outbox rows by destination and state), so they
 * survive restarts.
 */
import type { Store } from '../store/index.js';

export type Counter = 'received' | 'processed' | 'errored' | 'queued' | 'resends' | 'store_failures' | 'skipped_bytes' | 'oversized_frames' | 'timeouts' | 'connections_refused' | 'idle_connections_closed';

const HELP: Record<Counter, string> = {
  received: 'Messages committed to the store.',
  processed: 'Messages processed successfully (AA / 2xx).',
  errored: 'Messages that ended in error, reject or failure (AE, AR, 4xx, 5xx).',
  queued: 'Outbox items queued for destinations.',
  resends: 'Exact resends answered with the stored acknowledgment.',
  store_failures: 'Messages not acknowledged because the store could not commit.',
  skipped_bytes: 'MLLP bytes outside any frame, skipped.',
  oversized_frames: 'MLLP frames dropped for exceeding the size limit.',
  timeouts: 'MLLP connections closed by the frame deadline, the first-byte timeout or the idle timeout.',
  connections_refused: 'MLLP connections refused: over the per-address cap, or at maxConnections with every connection busy.',
  idle_connections_closed: 'Idle MLLP connections closed at maxConnections to admit a new one.',
};

export class Metrics {
  private readonly counters = new Map<string, number>();

  /** Start every counter of these channels at 0, so a scrape sees them before the first message. */
  declare(channels: readonly string[]): void {
    for (const name of Object.keys(HELP) as Counter[]) for (const ch of channels) this.inc(name, ch, 0);
  }

  inc(name: Counter, channel: string, by = 1): void {
    const k = `${name}\u0000${channel}`;
    this.counters.set(k, (this.counters.get(k) ?? 0) + by);
  }

  get(name: Counter, channel: string): number {
    return this.counters.get(`${name}\u0000${channel}`) ?? 0;
  }

  async render(store: Store | undefined): Promise<string> {
    const lines: string[] = [];
    const byName = new Map<string, Array<[string, number]>>();
    for (const [k, v] of this.counters) {
      const [name, channel] = k.split('\u0000') as [string, string];
      if (!byName.has(name)) byName.set(name, []);
      byName.get(name)!.push([channel, v]);
    }
    for (const name of Object.keys(HELP) as Counter[]) {
      const metric = `frontdesk_${name}_total`;
      lines.push(`# HELP ${metric} ${HELP[name]}`, `# TYPE ${metric} counter`);
      for (const [channel, v] of byName.get(name) ?? []) lines.push(`${metric}{channel="${esc(channel)}"} ${v}`);
    }
    if (store) {
      lines.push('# HELP frontdesk_messages Stored messages by channel and processing state.', '# TYPE frontdesk_messages gauge');
      for (const r of await store.messages.countsByChannelAndState()) lines.push(`frontdesk_messages{channel="${esc(r.channel)}",state="${r.state}"} ${r.count}`);
      lines.push('# HELP frontdesk_outbox Outbox items by destination and state.', '# TYPE frontdesk_outbox gauge');
      for (const r of await store.outbox.counts()) lines.push(`frontdesk_outbox{destination="${esc(r.destination)}",state="${r.state}"} ${r.count}`);
    }
    return lines.join('\n') + '\n';
  }
}

const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
