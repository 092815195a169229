/**
 * What a gateway channel does with an MLLP frame (the handler its listener is given):
 *   frame -> pipeline.receive (raw committed, fsync'd) -> [enhanced mode: CA] -> processing ->
 *   application ACK (AA/AE/AR; in enhanced mode only when MSH-16 asks for it, table 0155).
 * Pipelined: the handler is done with a frame once it is taken (its answers are owed to the
 * connection through `conn.defer`), so the connection's next frame is stored (in the same group
 * commit as this one's processing, when they meet) while this one is processed; the application
 * ACKs of a connection still leave in arrival order, each once its message's processing has
 * committed. Frames of a connection that arrive while its earlier ones are being committed are
 * committed together next, in order, as one batch (a sender with several frames in flight); a
 * frame is never committed before an earlier frame of its connection is committed (or it is in the
 * same commit), and once one cannot be stored, no later one is (Inbound.sequence), so the order a
 * connection sent is the order the store holds.
 * A store failure sends no acknowledgment at all: the connection is closed so the sender retries
 * at once instead of waiting for its ACK timeout. Never a false AA. A frame above the size limit
 * is answered with an AR (it was not stored).
 * ACKs go back in the character set the message was read with (MSH-18, or the channel default).
 */
import type { ChannelConfig } from '../config.js';
import { issue } from '../domain/issues.js';
import { buildRejectForUnreadable } from '../hl7/ack.js';
import { sendAppAck, type AppAckCode } from '../hl7/ack-policy.js';
import { encodeHl7, type Charset } from '../hl7/charset.js';
import type { FrameSequence, Pipeline, Reception } from '../runtime/pipeline.js';
import type { MllpConnection, MllpHandler } from './listener.js';

export function pipelineHandler(pipeline: Pipeline, channel: ChannelConfig): MllpHandler {
  const send = (conn: MllpConnection, text: string, charset: Charset = channel.encoding ?? 'UNICODE UTF-8') => conn.send(encodeHl7(text, charset));
  /** Per connection, the application ACK sent last (or still owed): the next one goes after it. */
  const lastAck = new WeakMap<MllpConnection, Promise<void>>();
  const lanes = new WeakMap<MllpConnection, Lane>();

  /**
   * Frames of one connection, in their order, handed to the pipeline together (one commit), and
   * each answered once that commit is durable; the next batch only after this one is answered.
   */
  const submit = async (conn: MllpConnection, lane: Lane, frames: Buffer[]): Promise<void> => {
    const sequence: FrameSequence = { failed: false };
    // All handed over in this turn: the pipeline's next commit takes them together, in order.
    const receptions = frames.map((raw) => pipeline.receive({ channel, source: 'mllp', peer: conn.peer, contentType: 'hl7v2', raw, sequence }));
    for (const r of receptions) {
      const rec = await r;
      if (!rec.ok) {
        // No ACK at all (for this frame and every later one of the connection, none of which is
        // stored): the sender must not believe we have it, and resends from here.
        lane.failed = true;
        conn.drop();
        break;
      }
      answer(conn, rec);
    }
  };

  /** The commit ACK now (enhanced mode), and the application ACK when processing is done, in arrival order. */
  const answer = (conn: MllpConnection, rec: Extract<Reception, { ok: true }>): void => {
    if (rec.commitAck) send(conn, rec.commitAck, rec.charset);
    const h = rec.header;
    if (rec.commitAck && h?.ackMode === 'enhanced' && h.appAckType === 'NE') {
      // MSH-16 NE: the commit ACK is all this sender gets, so the connection owes it nothing more
      // and its next frame is not held up by this one's processing (which runs behind intake,
      // bounded by processing.maxBacklog: the room() in frame()).
      // Its answer is not asked for: past the pipeline's window such a message waits in the store
      // with no promise at all (src/runtime/store-backlog.ts), and one queued in memory has its
      // failure handled there. (A closure of this call held the frame and the parsed header for as
      // long as processing lagged, about 7 KB per message waiting: 17,289 waiting held 119 MB.)
      return;
    }
    const before = lastAck.get(conn) ?? Promise.resolve();
    const appAck = (async () => {
      let answered;
      try {
        answered = await rec.answer;
      } catch {
        // Processing could not commit: the message is stored and will be processed; stay silent
        // so the sender resends and gets the stored answer.
        conn.drop();
        return;
      }
      await before;
      if (!answered.ack) return;
      if (sendAppAck(h?.ackMode ?? 'original', h?.appAckType ?? '', (answered.ackCode ?? 'AR') as AppAckCode)) {
        send(conn, answered.ack, rec.charset);
        pipeline.noteAckSent(answered.id);
      }
    })();
    lastAck.set(conn, appAck);
    conn.defer(appAck);
  };

  /** Submit a batch, then, once it is answered, whatever arrived on the connection meanwhile. */
  const run = (conn: MllpConnection, lane: Lane, frames: Buffer[], done: Array<() => void>): void => {
    lane.busy = true;
    void submit(conn, lane, frames).catch(() => {
      lane.failed = true;
      conn.drop();
    }).finally(() => {
      for (const d of done) d();
      const next = lane.waiting;
      lane.waiting = [];
      lane.busy = false;
      if (lane.failed) {
        // Not stored: the connection is gone, the sender resends them.
        for (const w of next) w.done();
        return;
      }
      if (next.length) run(conn, lane, next.map((w) => w.frame), next.map((w) => w.done));
    });
  };

  return {
    async frame(payload, conn) {
      // Back-pressure: a frame is taken only while processing is not too far behind.
      await pipeline.room();
      let lane = lanes.get(conn);
      if (!lane) lanes.set(conn, (lane = { busy: false, failed: false, waiting: [] }));
      if (lane.failed) return;
      // The listener hands the next frame once this resolves: it resolves when the frame is taken
      // (now, or into the batch that follows the one being committed), and the frame's answer is
      // owed to the connection (defer) until its commit is durable. A sender that does not wait
      // for each ACK (several frames in flight) gets its frames committed a batch per commit
      // instead of one per commit (#17: at 2,000 msg/s over 8 connections each connection was
      // bound to one fsync per frame).
      let done!: () => void;
      conn.defer(new Promise<void>((r) => { done = r; }));
      if (lane.busy) {
        lane.waiting.push({ frame: payload, done });
        return;
      }
      run(conn, lane, [payload], [done]);
    },
    oversized: (conn, maxFrameBytes) => oversizedReject(conn, maxFrameBytes, channel.encoding),
  };
}

/** One connection's frames on their way into the store (see pipelineHandler). */
interface Lane {
  /** A batch is being committed and answered. */
  busy: boolean;
  /** A frame could not be stored: the connection is dropped, nothing later of it is. */
  failed: boolean;
  /** Frames that arrived meanwhile: the next batch. */
  waiting: Array<{ frame: Buffer; done: () => void }>;
}

/** A frame above the size limit: an AR (nothing was stored, so no pipeline is involved). */
export function oversizedReject(conn: MllpConnection, maxFrameBytes: number, charset: Charset = 'UNICODE UTF-8'): void {
  conn.send(encodeHl7(buildRejectForUnreadable([issue('TOO_LARGE', `Frame exceeds the ${maxFrameBytes}-byte limit; it was not stored.`)]).toString(), charset));
}
