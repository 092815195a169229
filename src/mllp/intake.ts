/**
 * What a gateway channel does with an MLLP frame (the handler its listener is given):
 *   frame -> pipeline.receive (raw committed, fsync'd) -> [enhanced mode: CA] -> processing ->
 *   application ACK (AA/AE/AR; in enhanced mode only when MSH-16 asks for it, table 0155).
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
  return {
    async frame(payload, conn) {
      const rec = await pipeline.receive({ channel, source: 'mllp', peer: conn.peer, contentType: 'hl7v2', raw: payload });
      if (!rec.ok) {
        // No ACK at all: the sender must not believe we have it.
        conn.drop();
        return;
      }
      if (rec.commitAck) send(conn, rec.commitAck, rec.charset);
      let answer;
      try {
        answer = await rec.answer;
      } catch {
        // Processing could not commit: the message is stored and will be processed; stay silent
        // so the sender resends and gets the stored answer.
        conn.drop();
        return;
      }
      if (!answer.ack) return;
      const h = rec.header;
      if (sendAppAck(h?.ackMode ?? 'original', h?.appAckType ?? '', (answer.ackCode ?? 'AR') as AppAckCode)) {
        send(conn, answer.ack, rec.charset);
        pipeline.noteAckSent(answer.id);
      }
    },
    oversized(conn, maxFrameBytes) {
      send(conn, buildRejectForUnreadable([issue('TOO_LARGE', `Frame exceeds the ${maxFrameBytes}-byte limit; it was not stored.`)]).toString());
    },
  };
}
