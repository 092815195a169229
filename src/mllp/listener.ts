/**
 * MLLP listener for one channel (node:net, or node:tls when the channel has a `tls` block): the
 * transport only. It frames and unframes, and hands each complete frame to the channel's handler
 * (the gateway's is ./intake.ts); it knows nothing of HL7 content, the store or acknowledgments.
 *
 * Per connection, frames are handed over strictly in arrival order, the next one only when the
 * handler is done with the previous (an A08 is never processed before the A04 sent ahead of it on
 * the same connection). A handler may be done with a frame before its answer is (the gateway's is
 * once the frame is committed): what it still owes it hands to `conn.defer`.
 *
 * Guards: bytes outside frames are skipped and reported (log + metric); frames above the size
 * limit are dropped (and the handler told, so it can answer); a frame must complete within
 * `frameTimeoutMs` of its start block (a slow sender holding a connection open is cut off); a
 * connection idle for `idleTimeoutMs` is closed.
 *
 * Connection hygiene (idle sockets never lock a sender out): a connection that sends no byte within
 * `firstByteTimeoutMs` of opening is closed; one remote address holds at most
 * `maxConnectionsPerAddress`; at `maxConnections` a new connection closes the longest-idle one
 * (no frame in progress, none being handled) and is refused only when every one is busy.
 *
 * Back-pressure: a connection with `maxPendingFrames` frames received and not done (handled and
 * answered) is no longer read (socket.pause(): the sender's TCP window closes) until half of them
 * are done; the gateway's handler is not done with a frame while processing is too far behind.
 */
import net from 'node:net';
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
  /**
   * Work the handler goes on with after its frame() resolved (an answer still owed): the
   * connection counts as busy until it settles, and close() lets it finish.
   */
  defer(work: Promise<unknown>): void;
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
  /** Connections whose reading is paused now (back-pressure), for the operator and tests. */
  pausedConnections(): number;
}

export interface MllpListenerOptions {
  host: string;
  maxFrameBytes: number;
  frameTimeoutMs: number;
  idleTimeoutMs: number;
  /** Close a connection that sends nothing this long after opening (default: idleTimeoutMs). */
  firstByteTimeoutMs?: number;
  maxConnections?: number;
  maxConnectionsPerAddress?: number;
  /** Pause reading a connection with this many frames received and not done (default 64). */
  maxPendingFrames?: number;
}

export function listenerOptions(cfg: GatewayConfig): MllpListenerOptions {
  const m = cfg.mllp;
  return {
    host: m.host, maxFrameBytes: m.maxFrameBytes, frameTimeoutMs: m.frameTimeoutMs, idleTimeoutMs: m.idleTimeoutMs,
    firstByteTimeoutMs: m.firstByteTimeoutMs, maxConnections: m.maxConnections, maxConnectionsPerAddress: m.maxConnectionsPerAddress,
    maxPendingFrames: m.maxPendingFrames,
  };
}

/** What the listener keeps of an open connection (for the caps and choosing which idle one to close). */
interface OpenConnection {
  socket: net.Socket;
  address: string;
  peer: string;
  decoder: FrameDecoder;
  /** performance.now() of the last byte in or the last frame handled. */
  lastActivity: number;
  /** Frames received and not yet handled to the end (answered). */
  pending: number;
  /** Reading paused (back-pressure). */
  paused: boolean;
}

export async function startMllpListener(channel: ChannelConfig, handler: MllpHandler, opts: MllpListenerOptions, log: Logger, metrics: Metrics): Promise<MllpListener> {
  const src = channel.source.mllp!;
  /** Every open connection, in the order they opened (a Map keeps insertion order). */
  const sockets = new Map<net.Socket, OpenConnection>();
  const perAddress = new Map<string, number>();
  const busy = new Set<Promise<void>>();
  const chLog = log.child({ channel: channel.name });

  /** Forget a connection at once (its 'close' event comes later), so the counts admit the next one. */
  const forget = (socket: net.Socket): void => {
    const c = sockets.get(socket);
    if (!c) return;
    sockets.delete(socket);
    const n = (perAddress.get(c.address) ?? 1) - 1;
    if (n > 0) perAddress.set(c.address, n); else perAddress.delete(c.address);
  };
  /** The connection idle longest: nothing in progress, nothing being handled. */
  const longestIdle = (): OpenConnection | undefined => {
    let best: OpenConnection | undefined;
    for (const c of sockets.values()) {
      if (c.pending > 0 || c.decoder.inProgress) continue;
      if (!best || c.lastActivity < best.lastActivity) best = c;
    }
    return best;
  };
  /** Whether a new connection may stay: the per-address cap, then maxConnections (closing the longest-idle one). */
  const admit = (socket: net.Socket, address: string): boolean => {
    if (opts.maxConnectionsPerAddress && (perAddress.get(address) ?? 0) >= opts.maxConnectionsPerAddress) {
      metrics.inc('connections_refused', channel.name);
      chLog.warn({ address, maxConnectionsPerAddress: opts.maxConnectionsPerAddress }, 'connection refused: too many connections from this address');
      return false;
    }
    if (opts.maxConnections && sockets.size >= opts.maxConnections) {
      const idle = longestIdle();
      if (!idle) {
        metrics.inc('connections_refused', channel.name);
        chLog.warn({ maxConnections: opts.maxConnections }, 'connection refused: every connection is busy');
        return false;
      }
      metrics.inc('idle_connections_closed', channel.name);
      chLog.info({ peer: idle.peer, maxConnections: opts.maxConnections }, 'idle connection closed to admit a new one');
      forget(idle.socket);
      idle.socket.destroy();
    }
    return true;
  };

  const onConnection = (socket: net.Socket) => {
    socket.on('error', (e) => chLog.debug({ err: e.message }, 'socket error'));
    const address = socket.remoteAddress ?? '?';
    if (!admit(socket, address)) {
      socket.destroy();
      return;
    }
    const peer = `${address}:${socket.remotePort ?? '?'}`;
    const decoder = new FrameDecoder({ maxFrameSize: opts.maxFrameBytes, bytes: true });
    const state: OpenConnection = { socket, address, peer, decoder, lastActivity: performance.now(), pending: 0, paused: false };
    const maxPending = opts.maxPendingFrames ?? 64;
    /** One more frame (or deferred answer) of this connection is done: read again once half the bound is. */
    const settled = () => {
      state.pending--;
      state.lastActivity = performance.now();
      if (state.paused && state.pending <= maxPending / 2) {
        state.paused = false;
        socket.resume();
      }
    };
    const owe = () => {
      state.pending++;
      if (!state.paused && state.pending >= maxPending) {
        state.paused = true;
        socket.pause();
      }
    };
    sockets.set(socket, state);
    perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
    let chain: Promise<void> = Promise.resolve();
    let frameTimer: NodeJS.Timeout | undefined;
    let closed = false;
    chLog.debug({ peer }, 'connection opened');

    // A connection that never says anything is closed soon, so it cannot sit on a slot for the idle timeout.
    let firstByteTimer: NodeJS.Timeout | undefined = setTimeout(() => {
      metrics.inc('timeouts', channel.name);
      chLog.info({ peer, firstByteTimeoutMs: opts.firstByteTimeoutMs }, 'connection sent nothing: closed');
      socket.destroy();
    }, opts.firstByteTimeoutMs ?? opts.idleTimeoutMs);

    socket.setNoDelay(true);
    socket.setTimeout(opts.idleTimeoutMs);
    socket.on('timeout', () => {
      metrics.inc('timeouts', channel.name);
      chLog.info({ peer }, 'idle connection closed');
      socket.destroy();
    });
    socket.on('close', () => {
      closed = true;
      if (frameTimer) clearTimeout(frameTimer);
      if (firstByteTimer) clearTimeout(firstByteTimer);
      forget(socket);
      chLog.debug({ peer }, 'connection closed');
    });

    const conn: MllpConnection = {
      peer,
      send: (payload) => {
        if (!closed && socket.writable) socket.write(encodeFrame(payload));
      },
      drop: () => socket.destroy(),
      defer: (work) => {
        owe();
        const p = work.then(() => undefined, () => undefined);
        busy.add(p);
        void p.finally(() => {
          busy.delete(p);
          settled();
        });
      },
    };
    const handle = async (frame: Buffer): Promise<void> => {
      if (!closed) await handler.frame(frame, conn);
    };

    socket.on('data', (chunk: Buffer) => {
      if (firstByteTimer) {
        clearTimeout(firstByteTimer);
        firstByteTimer = undefined;
      }
      state.lastActivity = performance.now();
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
        owe();
        const p = chain.then(() => (frame === null ? handler.oversized?.(conn, opts.maxFrameBytes) : handle(frame))).catch((e: Error) => {
          chLog.error({ peer, err: e.message }, 'frame handling failed');
          socket.destroy();
        });
        chain = p;
        busy.add(p);
        void p.finally(() => {
          busy.delete(p);
          settled();
        });
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
    // node:tls (with node:crypto) only for a TLS channel: a plain gateway's start does not load it.
    const tls = (await import('node:tls')).default;
    server = tls.createServer({
      key: readFileSync(t.keyFile),
      cert: readFileSync(t.certFile),
      ...(t.caFile ? { ca: readFileSync(t.caFile) } : {}),
      requestCert: t.requireClientCert,
      rejectUnauthorized: t.requireClientCert,
      // A handshake that never finishes is a connection that sends nothing.
      ...(opts.firstByteTimeoutMs ? { handshakeTimeout: opts.firstByteTimeoutMs } : {}),
    }, onConnection);
    server.on('tlsClientError', (e) => chLog.warn({ err: e.message }, 'TLS handshake failed'));
  } else {
    server = net.createServer(onConnection);
  }

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
    pausedConnections: () => [...sockets.values()].filter((c) => c.paused).length,
    async close(graceMs = 5000) {
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      if (busy.size) {
        await Promise.race([Promise.allSettled([...busy]), new Promise((r) => setTimeout(r, graceMs).unref())]);
      }
      for (const s of [...sockets.keys()]) s.destroy();
      await closing;
    },
  };
}
