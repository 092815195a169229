/**
 * What a gateway channel does with an MLLP frame (the handler its listener is given):
 *   frame -> pipeline.receive (raw committed, fsync'd) -> [enhanced mode: CA] -> processing ->
 *   application ACK (AA/AE/AR; in enhanced mode only when MSH-16 asks for it, table 0155).
 * Pipelined: the handler is done with a frame once it is committed, so the connection's next frame
 * is stored (in the same group commit as this one's processing, when they meet) while this one is
 * processed; the application ACKs of a connection still leave in arrival order, each once its
 * message's processing has committed.
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
import type { Pipeline } from '../runtime/pipeline.js';
import type { MllpConnection, MllpHandler } from './listener.js';

export function pipelineHandler(pipeline: Pipeline, channel: ChannelConfig): MllpHandler {
  const send = (conn: MllpConnection, text: string, charset: Charset = channel.encoding ?? 'UNICODE UTF-8') => conn.send(encodeHl7(text, charset));
  /** Per connection, the application ACK sent last (or still owed): the next one goes after it. */
  const lastAck = new WeakMap<MllpConnection, Promise<void>>();
  return {
    async frame(payload, conn) {
      const rec = await pipeline.receive({ channel, source: 'mllp', peer: conn.peer, contentType: 'hl7v2', raw: payload });
      if (!rec.ok) {
        // No ACK at all: the sender must not believe we have it.
        conn.drop();
        return;
      }
      if (rec.commitAck) send(conn, rec.commitAck, rec.charset);
      const h = rec.header;
      if (rec.commitAck && h?.ackMode === 'enhanced' && h.appAckType === 'NE') {
        // MSH-16 NE: the commit ACK is all this sender gets, so the connection owes it nothing more
        // and its next frame is not held up by this one's processing (which runs behind intake,
        // bounded by processing.maxBacklog: the room() below).
        // A function of the module, not a closure of this call: a closure would hold this call's
        // context (the frame, the parsed header) for as long as processing lags, about 7 KB per
        // message waiting (measured: 17,289 waiting held 119 MB of heap).
        void rec.answer.catch(ignore);
        await pipeline.room();
        return;
      }
      const before = lastAck.get(conn) ?? Promise.resolve();
      const appAck = (async () => {
        let answer;
        try {
          answer = await rec.answer;
        } catch {
          // Processing could not commit: the message is stored and will be processed; stay silent
          // so the sender resends and gets the stored answer.
          conn.drop();
          return;
        }
        await before;
        if (!answer.ack) return;
        if (sendAppAck(h?.ackMode ?? 'original', h?.appAckType ?? '', (answer.ackCode ?? 'AR') as AppAckCode)) {
          send(conn, answer.ack, rec.charset);
          pipeline.noteAckSent(answer.id);
        }
      })();
      lastAck.set(conn, appAck);
      conn.defer(appAck);
      // Back-pressure: the next frame is taken only once processing is not too far behind.
      await pipeline.room();
    },
    oversized: (conn, maxFrameBytes) => oversizedReject(conn, maxFrameBytes, channel.encoding),
  };
}

function ignore(): void {}

/** A frame above the size limit: an AR (nothing was stored, so no pipeline is involved). */
export function oversizedReject(conn: MllpConnection, maxFrameBytes: number, charset: Charset = 'UNICODE UTF-8'): void {
  conn.send(encodeHl7(buildRejectForUnreadable([issue('TOO_LARGE', `Frame exceeds the ${maxFrameBytes}-byte limit; it was not stored.`)]).toString(), charset));
}
