/**
 * MLLP listener for one channel (node:net, or node:tls when the channel has a `tls` block): the
 * transport only. It frames and unframes, and hands each complete frame to the channel's handler
 * (the gateway's is ./intake.ts); it knows nothing of HL7 content, the store or acknowledgments.
 *
 * Per connection, frames are handed over strictly in arrival order, the next one only when the
 * handler is done with the previous (an A08 is never processed before the A04 sent ahead of it on
 * the same connection).
 *
 * Guards: bytes outside frames are skipped and reported (log + metric); frames above the size
 * limit are dropped (and the handler told, so it can answer); a frame must complete within
 * `frameTimeoutMs` of its start block (a slow sender holding a connection open is cut off); a
 * connection idle for `idleTimeoutMs` is closed.
 */
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { encodeFrame, FrameDecoder } from './framing.js';
import type { ChannelConfig, GatewayConfig } from '../config.js';
import type { Metrics } from '../runtime/metrics.js';

/** One open connection, as a handler sees it. */
export interface MllpConnection {
  /** `address:port` of the sender. */
  readonly peer: string;
  /** Send one message (its bytes, already encoded), framed; nothing when the connection is gone. */
  send(payload: Buffer): void;
  /** Close the connection at once (the sender, having no answer, sends again). */
  drop(): void;
}

/** What a channel does with what arrives on its connections. */
export interface MllpHandler {
  /** One complete frame; the connection's next frame waits until this resolves. A rejection drops the connection. */
  frame(payload: Buffer, conn: MllpConnection): Promise<void>;
  /** A frame above the size limit was dropped unread. */
  oversized?(conn: MllpConnection, maxFrameBytes: number): void;
}

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

export async function startMllpListener(channel: ChannelConfig, handler: MllpHandler, opts: MllpListenerOptions, log: Logger, metrics: Metrics): Promise<MllpListener> {
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

    const conn: MllpConnection = {
      peer,
      send: (payload) => {
        if (!closed && socket.writable) socket.write(encodeFrame(payload));
      },
      drop: () => socket.destroy(),
    };
    const handle = async (frame: Buffer): Promise<void> => {
      if (!closed) await handler.frame(frame, conn);
    };

    socket.on('data', (chunk: Buffer) => {
      const r = decoder.push(chunk);
      if (r.skippedBytes) {
        metrics.inc('skipped_bytes', channel.name, r.skippedBytes);
        chLog.warn({ peer, skippedBytes: r.skippedBytes }, 'bytes outside an MLLP frame skipped');
      }
      // Each frame that ended, in arrival order: handed over, or (oversized) reported to the handler.
      for (const frame of r.arrivals ?? []) {
        if (frame === null) {
          metrics.inc('oversized_frames', channel.name);
          chLog.warn({ peer, maxFrameBytes: opts.maxFrameBytes }, 'MLLP frame above the size limit dropped');
        }
        const p = chain.then(() => (frame === null ? handler.oversized?.(conn, opts.maxFrameBytes) : handle(frame))).catch((e: Error) => {
          chLog.error({ peer, err: e.message }, 'frame handling failed');
          socket.destroy();
        });
        chain = p;
        busy.add(p);
        void p.finally(() => busy.delete(p));
      }
      // Per-frame deadline: armed when a frame starts, re-armed for each new frame, cleared when none is in progress.
      if (frameTimer && ((r.arrivals ?? r.frames).length > 0 || !decoder.inProgress)) {
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
