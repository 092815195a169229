/**
 * MLLP destination client. One connection per destination, reused across messages and closed
 * after an idle period. MLLP is lock-step: one message out, its ACK back, then the next, so sends
 * are queued. The ACK is read from MSA (MSA-1 code, table 0008; MSA-2 echoes our MSH-10):
 * AA/CA delivered; AE/AR/CR the partner's answer (dead letter, ACK kept); CE (commit error: the
 * partner could not store it now), no ACK within the timeout, refused or dropped connection:
 * transient (the connection is dropped, so a late ACK can never be taken for the next message's).
 *
 * Enhanced mode (destination hl7.applicationAckTimeoutMs > 0, MSH-16 AL/ER/SU): after a CA the
 * client waits that long on the same connection for the application ACK. AA -> delivered; AE/AR ->
 * dead letter with that ACK; nothing (MSH-16 ER/SU send none on success), or the connection closed
 * -> delivered as CA. A CA always counts as delivered: the partner has committed the message to
 * safe storage and owns it, and sending it again could only duplicate it.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { parseHl7, type Hl7Message } from '../hl7/message.js';
import { buildAck } from '../hl7/ack.js';
import { ackSummary } from '../delivery/ack-report.js';
import { encodeFrame, FrameDecoder } from '../mllp/framing.js';
import type { MllpDestination } from '../delivery/config.js';
import { delivered, failed, type AttemptOutcome } from '../delivery/outcome.js';
import { classifyAckCode } from '../delivery/retry.js';

type MllpTarget = Pick<MllpDestination, 'host' | 'port' | 'tls' | 'connectTimeoutMs' | 'ackTimeoutMs' | 'idleTimeoutMs'>
  & Partial<Pick<MllpDestination, 'tlsCaFile' | 'tlsCertFile' | 'tlsKeyFile' | 'tlsServerName'>>
  & { hl7?: Pick<MllpDestination['hl7'], 'applicationAckTimeoutMs'> | undefined };

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
    const appAckMs = this.target.hl7?.applicationAckTimeoutMs ?? 0;
    return new Promise<AttemptOutcome>((resolve) => {
      let commit: string | undefined;
      let timer: NodeJS.Timeout;
      const finish = (out: AttemptOutcome, dropWhy?: string) => {
        clearTimeout(timer);
        this.waiter = undefined;
        if (dropWhy) this.drop(dropWhy);
        resolve(out);
      };
      const onTimeout = () => {
        // Drop the connection: a late ACK must never be read as the answer to the next message.
        if (commit !== undefined) finish(delivered('CA', commit), 'app-ack-timeout'); // committed by the partner: delivered (see file comment)
        else finish(failed('DELIVERY_TRANSIENT', `no ACK within ${this.target.ackTimeoutMs} ms`), 'ack-timeout');
      };
      timer = setTimeout(onTimeout, this.target.ackTimeoutMs);
      this.waiter = {
        onFrame: (frame) => {
          const ack = parseHl7(frame).value;
          const msa = ack?.segment('MSA');
          if (!ack || !msa) {
            finish(failed('DELIVERY_TRANSIENT', 'unreadable ACK (no MSA)', { partnerResponse: frame }), 'bad-ack');
            return;
          }
          // MSA-2 names the message acknowledged; an answer to something else (a stray application ACK) is skipped.
          if (controlId && msa.get(2) && msa.get(2) !== controlId) return;
          const code = msa.get(1);
          if (commit === undefined && code === 'CA' && appAckMs > 0) {
            // Enhanced mode: the partner committed the message; its application ACK follows on this connection.
            commit = frame;
            clearTimeout(timer);
            timer = setTimeout(onTimeout, appAckMs);
            return;
          }
          if (commit !== undefined) this.commitAckFor(ack, socket);
          const err = classifyAckCode(code);
          if (err === undefined) finish(delivered(code, frame));
          else finish(failed(err, ackSummary(ack), { partnerStatus: code, partnerResponse: commit !== undefined ? `${commit}\n${frame}` : frame }));
        },
        onClosed: (why) => {
          if (commit !== undefined) finish(delivered('CA', commit));
          else finish(failed('DELIVERY_TRANSIENT', `connection ${why} before the ACK`));
        },
      };
      socket.write(encodeFrame(message));
    });
  }

  /**
   * An application ACK is itself a message: when its MSH-15 asks for an accept acknowledgment
   * (AL, or SU for a successful one) we answer CA, so the partner does not resend it.
   */
  private commitAckFor(appAck: Hl7Message, socket: net.Socket): void {
    const wants = appAck.msh.get(15);
    if (wants !== 'AL' && wants !== 'SU') return;
    socket.write(encodeFrame(buildAck(appAck, { code: 'CA' }).toString()));
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
