/**
 * MLLP listener for one channel (node:net, or node:tls when the channel has a `tls` block).
 *
 * Per connection, frames are handled strictly in arrival order (an A08 is never processed before
 * the A04 sent ahead of it on the same connection):
 *   frame -> pipeline.receive (raw committed, fsync'd) -> [enhanced mode: CA] -> processing ->
 *   application ACK (AA/AE/AR; in enhanced mode only when MSH-16 asks for it).
 * A store failure sends no acknowledgment at all: the connection is closed so the sender retries
 * at once instead of waiting for its ACK timeout. Never a false AA.
 *
 * Guards: bytes outside frames are skipped and reported (log + metric); frames above the size
 * limit are dropped and answered with an AR; a frame must complete within `frameTimeoutMs` of its
 * start block (a slow sender holding a connection open is cut off); a connection idle for
 * `idleTimeoutMs` is closed.
 */
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { issue } from '../domain/issues.js';
import { buildRejectForUnreadable } from '../hl7/ack.js';
import { encodeFrame, FrameDecoder } from './framing.js';
import { encodeHl7, type Charset } from '../hl7/charset.js';
import type { ChannelConfig, GatewayConfig } from '../config.js';
import type { Pipeline } from '../runtime/pipeline.js';
import { sendAppAck, type AppAckCode } from '../runtime/ack-policy.js';
import type { Metrics } from '../runtime/metrics.js';

export interface MllpListener {
  channel: string;
  tls: boolean;
  address(): AddressInfo;
  /** Stop accepting, let frames in progress finish (up to `graceMs`), then close every connection. */
  close(graceMs?: number): Promise<void>;
}

export interface MllpListenerOptions {
  host: string;
  maxFrameBytes: number;
  frameTimeoutMs: number;
  idleTimeoutMs: number;
  maxConnections?: number;
}

export function listenerOptions(cfg: GatewayConfig): MllpListenerOptions {
  return { host: cfg.mllp.host, maxFrameBytes: cfg.mllp.maxFrameBytes, frameTimeoutMs: cfg.mllp.frameTimeoutMs, idleTimeoutMs: cfg.mllp.idleTimeoutMs, maxConnections: cfg.mllp.maxConnections };
}

export async function startMllpListener(channel: ChannelConfig, pipeline: Pipeline, opts: MllpListenerOptions, log: Logger, metrics: Metrics): Promise<MllpListener> {
  const src = channel.source.mllp!;
  const sockets = new Set<net.Socket>();
  const busy = new Set<Promise<void>>();
  const chLog = log.child({ channel: channel.name });

  const onConnection = (socket: net.Socket) => {
    sockets.add(socket);
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const decoder = new FrameDecoder({ maxFrameSize: opts.maxFrameBytes, bytes: true });
    let chain: Promise<void> = Promise.resolve();
    let frameTimer: NodeJS.Timeout | undefined;
    let closed = false;
    chLog.debug({ peer }, 'connection opened');

    socket.setNoDelay(true);
    socket.setTimeout(opts.idleTimeoutMs);
    socket.on('timeout', () => {
      metrics.inc('timeouts', channel.name);
      chLog.info({ peer }, 'idle connection closed');
      socket.destroy();
    });
    socket.on('error', (e) => chLog.debug({ peer, err: e.message }, 'socket error'));
    socket.on('close', () => {
      closed = true;
      if (frameTimer) clearTimeout(frameTimer);
      sockets.delete(socket);
      chLog.debug({ peer }, 'connection closed');
    });

    // ACKs go back in the character set the message was read with (MSH-18, or the channel default).
    const write = (text: string, charset: Charset = channel.encoding ?? 'UNICODE UTF-8') => {
      if (!closed && socket.writable) socket.write(encodeFrame(encodeHl7(text, charset)));
    };

    const handle = async (frame: Buffer): Promise<void> => {
      if (closed) return;
      const rec = await pipeline.receive({ channel, source: 'mllp', peer, contentType: 'hl7v2', raw: frame });
      if (!rec.ok) {
        // No ACK at all: the sender must not believe we have it.
        socket.destroy();
        return;
      }
      if (rec.commitAck) write(rec.commitAck, rec.charset);
      let answer;
      try {
        answer = await rec.answer;
      } catch {
        // Processing could not commit: the message is stored and will be processed; stay silent
        // so the sender resends and gets the stored answer.
        socket.destroy();
        return;
      }
      if (!answer.ack) return;
      const h = rec.header;
      const mode = h?.ackMode ?? 'original';
      if (sendAppAck(mode, h?.appAckType ?? '', (answer.ackCode ?? 'AR') as AppAckCode)) {
        write(answer.ack, rec.charset);
        pipeline.noteAckSent(answer.id);
      }
    };

    socket.on('data', (chunk: Buffer) => {
      const r = decoder.push(chunk);
      if (r.skippedBytes) {
        metrics.inc('skipped_bytes', channel.name, r.skippedBytes);
        chLog.warn({ peer, skippedBytes: r.skippedBytes }, 'bytes outside an MLLP frame skipped');
      }
      for (let i = 0; i < r.oversized; i++) {
        metrics.inc('oversized_frames', channel.name);
        chLog.warn({ peer, maxFrameBytes: opts.maxFrameBytes }, 'MLLP frame above the size limit dropped');
        chain = chain.then(() => write(buildRejectForUnreadable([issue('TOO_LARGE', `Frame exceeds the ${opts.maxFrameBytes}-byte limit; it was not stored.`)]).toString()));
      }
      for (const frame of r.payloads ?? []) {
        const p = chain.then(() => handle(frame)).catch((e: Error) => {
          chLog.error({ peer, err: e.message }, 'frame handling failed');
          socket.destroy();
        });
        chain = p;
        busy.add(p);
        void p.finally(() => busy.delete(p));
      }
      // Per-frame deadline: armed when a frame starts, re-armed for each new frame, cleared when none is in progress.
      if (frameTimer && (r.frames.length > 0 || r.oversized > 0 || !decoder.inProgress)) {
        clearTimeout(frameTimer);
        frameTimer = undefined;
      }
      if (decoder.inProgress && !frameTimer) {
        frameTimer = setTimeout(() => {
          metrics.inc('timeouts', channel.name);
          chLog.warn({ peer, pendingBytes: decoder.pendingBytes, frameTimeoutMs: opts.frameTimeoutMs }, 'frame not completed in time: connection closed');
          socket.destroy();
        }, opts.frameTimeoutMs);
      }
    });
  };

  let server: net.Server;
  if (src.tls) {
    const t = src.tls;
    server = tls.createServer({
      key: readFileSync(t.keyFile),
      cert: readFileSync(t.certFile),
      ...(t.caFile ? { ca: readFileSync(t.caFile) } : {}),
      requestCert: t.requireClientCert,
      rejectUnauthorized: t.requireClientCert,
    }, onConnection);
    server.on('tlsClientError', (e) => chLog.warn({ err: e.message }, 'TLS handshake failed'));
  } else {
    server = net.createServer(onConnection);
  }

  // A flood of connections is refused at the door rather than exhausting descriptors.
  if (opts.maxConnections) server.maxConnections = opts.maxConnections;
  server.on('drop', () => chLog.warn({ maxConnections: opts.maxConnections }, 'connection refused: too many connections'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(src.port, src.host ?? opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (e) => chLog.error({ err: e.message }, 'listener error'));

  return {
    channel: channel.name,
    tls: !!src.tls,
    address: () => server.address() as AddressInfo,
    async close(graceMs = 5000) {
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      if (busy.size) {
        await Promise.race([Promise.allSettled([...busy]), new Promise((r) => setTimeout(r, graceMs).unref())]);
      }
      for (const s of sockets) s.destroy();
      await closing;
    },
  };
}
