/**
 * MLLP destination client. One connection per destination, reused across messages and closed
 * after an idle period. MLLP is lock-step: one message out, its ACK back, then the next, so sends
 * are queued. The ACK is read from MSA (MSA-1 code, table 0008; MSA-2 echoes our MSH-10):
 * AA/CA delivered; AE/AR/CE/CR the partner's answer (dead letter, ACK kept); no ACK within the
 * timeout, refused or dropped connection: transient (the connection is dropped, so a late ACK can
 * never be taken for the next message's).
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { parseHl7 } from '../hl7/message.js';
import { encodeFrame, FrameDecoder } from '../mllp/framing.js';
import type { MllpDestination } from '../delivery/config.js';
import { delivered, failed, type AttemptOutcome } from '../delivery/outcome.js';
import { classifyAckCode } from '../delivery/retry.js';

type MllpTarget = Pick<MllpDestination, 'host' | 'port' | 'tls' | 'connectTimeoutMs' | 'ackTimeoutMs' | 'idleTimeoutMs'>
  & Partial<Pick<MllpDestination, 'tlsCaFile' | 'tlsCertFile' | 'tlsKeyFile' | 'tlsServerName'>>;

interface Waiter {
  onFrame(frame: string): void;
  onClosed(code: string): void;
}

export class MllpClient {
  private socket: net.Socket | undefined;
  private decoder = new FrameDecoder();
  private waiter: Waiter | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  /** Connections opened so far (the tests check reuse). */
  connectionsOpened = 0;

  constructor(private readonly target: MllpTarget, private readonly tlsOptions: tls.ConnectionOptions = {}) {}

  /** Send one HL7 message and wait for its ACK. Never throws. */
  send(message: string): Promise<AttemptOutcome> {
    const run = this.chain.then(() => this.sendNow(message));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Close the connection (shutdown). Later sends open a new one. */
  close(): void {
    this.drop('closed');
  }

  private async sendNow(message: string): Promise<AttemptOutcome> {
    const parsed = parseHl7(message);
    if (!parsed.value) return failed('HL7_NOT_MSH', 'outbox payload is not an HL7v2 message');
    const controlId = parsed.value.controlId;
    if (!this.socket) {
      const c = await this.connect();
      if (c) return c;
    }
    const socket = this.socket!;
    return new Promise<AttemptOutcome>((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        // Drop the connection: a late ACK must never be read as the answer to the next message.
        this.drop('ack-timeout');
        resolve(failed('DELIVERY_TRANSIENT', `no ACK within ${this.target.ackTimeoutMs} ms`));
      }, this.target.ackTimeoutMs);
      this.waiter = {
        onFrame: (frame) => {
          const ack = parseHl7(frame).value;
          const msa = ack?.segment('MSA');
          if (!ack || !msa) {
            clearTimeout(timer);
            this.waiter = undefined;
            this.drop('bad-ack');
            resolve(failed('DELIVERY_TRANSIENT', 'unreadable ACK (no MSA)', { partnerResponse: frame }));
            return;
          }
          // MSA-2 names the message acknowledged; an answer to something else (a stray application ACK) is skipped.
          if (controlId && msa.get(2) && msa.get(2) !== controlId) return;
          clearTimeout(timer);
          this.waiter = undefined;
          const code = msa.get(1);
          const err = classifyAckCode(code);
          if (err === undefined) resolve(delivered(code, frame));
          else resolve(failed(err, `ACK ${code || '(empty MSA-1)'}`, { partnerStatus: code, partnerResponse: frame }));
        },
        onClosed: (why) => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve(failed('DELIVERY_TRANSIENT', `connection ${why} before the ACK`));
        },
      };
      socket.write(encodeFrame(message));
    });
  }

  /** TLS options from the destination's files (read at each connect, so a renewed certificate is picked up). */
  private tlsConnectOptions(): tls.ConnectionOptions {
    const t = this.target;
    return {
      host: t.host, port: t.port,
      ...(t.tlsServerName ? { servername: t.tlsServerName } : net.isIP(t.host) ? {} : { servername: t.host }),
      ...(t.tlsCaFile ? { ca: readFileSync(t.tlsCaFile) } : {}),
      ...(t.tlsCertFile ? { cert: readFileSync(t.tlsCertFile) } : {}),
      ...(t.tlsKeyFile ? { key: readFileSync(t.tlsKeyFile) } : {}),
      ...this.tlsOptions,
    };
  }

  private connect(): Promise<AttemptOutcome | undefined> {
    const t = this.target;
    let options: tls.ConnectionOptions | undefined;
    if (t.tls) {
      try {
        options = this.tlsConnectOptions();
      } catch (e) {
        return Promise.resolve(failed('DELIVERY_TRANSIENT', `TLS files for ${t.host}:${t.port} unreadable: ${(e as NodeJS.ErrnoException).code ?? 'error'}`));
      }
    }
    return new Promise((resolve) => {
      let settled = false;
      const socket = options ? tls.connect(options) : net.connect({ host: t.host, port: t.port });
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        socket.destroy();
        resolve(failed('DELIVERY_TRANSIENT', `connect to ${t.host}:${t.port}: ETIMEDOUT`));
      }, t.connectTimeoutMs);
      socket.once(t.tls ? 'secureConnect' : 'connect', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.connectionsOpened++;
        this.attach(socket);
        resolve(undefined);
      });
      socket.once('error', (e: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        // Whatever the socket error (refused, unreachable, DNS, TLS handshake), the message itself is fine: retry later.
        resolve(failed('DELIVERY_TRANSIENT', `connect to ${t.host}:${t.port}: ${e.code ?? 'error'}`));
      });
    });
  }

  private attach(socket: net.Socket): void {
    this.socket = socket;
    this.decoder = new FrameDecoder();
    socket.setKeepAlive(true, 30_000);
    socket.setNoDelay(true);
    // Idle: nobody waiting and nothing heard for a while; the partner may drop us anyway.
    socket.setTimeout(this.target.idleTimeoutMs, () => {
      if (!this.waiter) this.drop('idle');
    });
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.decoder.push(chunk).frames) this.waiter?.onFrame(f);
    });
    socket.on('error', () => this.drop('error'));
    socket.on('close', () => {
      if (this.socket === socket) {
        this.socket = undefined;
        this.waiter?.onClosed('closed');
      }
    });
  }

  private drop(why: string): void {
    const s = this.socket;
    this.socket = undefined;
    if (s) {
      s.removeAllListeners('data');
      s.destroy();
      this.waiter?.onClosed(why);
    }
  }
}
