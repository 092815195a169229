/**
 * MLLP framing (HL7 v2 Minimal Lower Layer Protocol, release 2): a message travels as
 * <VT 0x0B> payload <FS 0x1C><CR 0x0D>. Bytes only: no parsing, no sockets.
 *
 * The decoder is a small state machine fed with whatever one socket read returned, so a frame may
 * be split across reads and one read may carry several frames. Bytes outside a frame (noise, a
 * sender that forgot the start block) are skipped and counted so the edge can report them.
 */

export const START_BLOCK = 0x0b;
export const END_BLOCK = 0x1c;
export const CARRIAGE_RETURN = 0x0d;

/** Wrap one message (text, or bytes already in the partner's character set) in an MLLP frame. */
export function encodeFrame(text: string | Buffer, encoding: BufferEncoding = 'utf8'): Buffer {
  const body = typeof text === 'string' ? Buffer.from(text, encoding) : text;
  const out = Buffer.allocUnsafe(body.length + 3);
  out[0] = START_BLOCK;
  body.copy(out, 1);
  out[body.length + 1] = END_BLOCK;
  out[body.length + 2] = CARRIAGE_RETURN;
  return out;
}

export interface FrameDecoderOptions {
  /** Largest payload accepted, in bytes; a longer frame is dropped (counted in `oversized`). Default 10 MiB. */
  maxFrameSize?: number;
  /** Character encoding of the payload. Default utf8. */
  encoding?: BufferEncoding;
  /**
   * Hand frames over as bytes (`payloads`) instead of text (`frames`): an inbound listener decodes
   * them by MSH-18 (src/hl7/charset.ts) and stores them exactly as received.
   */
  bytes?: boolean;
}

export interface DecodeResult {
  /** Complete frame payloads, in arrival order (text; empty with the `bytes` option). */
  frames: string[];
  /** With the `bytes` option: complete frame payloads as received, in arrival order. */
  payloads?: Buffer[];
  /**
   * With the `bytes` option: every frame that ended, in arrival order: its payload, or null for a
   * frame dropped as oversized (so each gets its answer in turn).
   */
  arrivals?: Array<Buffer | null>;
  /** Bytes that were outside any frame (before a start block, or an abandoned partial frame). */
  skippedBytes: number;
  /** Frames dropped because they exceeded maxFrameSize. */
  oversized: number;
}

export class FrameDecoder {
  private readonly maxFrameSize: number;
  private readonly encoding: BufferEncoding;
  private readonly bytes: boolean;
  private parts: Buffer[] = [];
  private size = 0;
  private inFrame = false;
  /** Current frame exceeded the limit: bytes are dropped until its end block. */
  private discarding = false;
  /** The previous byte was an end block: a CR that follows belongs to the frame trailer. */
  private afterEnd = false;

  constructor(opts: FrameDecoderOptions = {}) {
    this.maxFrameSize = opts.maxFrameSize ?? 10 * 1024 * 1024;
    this.encoding = opts.encoding ?? 'utf8';
    this.bytes = opts.bytes ?? false;
  }

  /** True while a frame has started and not yet ended (used for the per-frame deadline). */
  get inProgress(): boolean {
    return this.inFrame;
  }

  /** Bytes of the frame in progress held so far. */
  get pendingBytes(): number {
    return this.size;
  }

  push(chunk: Buffer): DecodeResult {
    const result: DecodeResult = this.bytes ? { frames: [], payloads: [], arrivals: [], skippedBytes: 0, oversized: 0 } : { frames: [], skippedBytes: 0, oversized: 0 };
    let pos = 0;
    const len = chunk.length;
    while (pos < len) {
      if (this.afterEnd) {
        this.afterEnd = false;
        if (chunk[pos] === CARRIAGE_RETURN) {
          pos++;
          continue;
        }
      }
      if (!this.inFrame) {
        const start = chunk.indexOf(START_BLOCK, pos);
        if (start < 0) {
          result.skippedBytes += len - pos;
          return result;
        }
        result.skippedBytes += start - pos;
        this.beginFrame();
        pos = start + 1;
        continue;
      }
      // Inside a frame: look for whichever comes first, the end block or a new start block
      // (a sender that gave up on a frame and started over).
      const end = chunk.indexOf(END_BLOCK, pos);
      const restart = chunk.indexOf(START_BLOCK, pos);
      if (restart >= 0 && (end < 0 || restart < end)) {
        result.skippedBytes += this.size + (restart - pos) + 1; // +1: the abandoned frame's start block
        this.beginFrame();
        pos = restart + 1;
        continue;
      }
      if (end < 0) {
        this.append(chunk.subarray(pos));
        return result;
      }
      // The frame's last piece is not copied on its own first (append's copy): a frame that began
      // in this read (the usual case) is copied once, out of the socket's buffer, not twice.
      const last = chunk.subarray(pos, end);
      this.size += last.length;
      if (!this.discarding && this.size > this.maxFrameSize) this.discarding = true;
      if (this.discarding) {
        result.oversized++;
        result.arrivals?.push(null);
      } else if (this.bytes) {
        const payload = this.parts.length === 0 ? Buffer.from(last) : Buffer.concat([...this.parts, last], this.size);
        result.payloads!.push(payload);
        result.arrivals!.push(payload);
      } else result.frames.push(this.parts.length === 0 ? last.toString(this.encoding) : Buffer.concat([...this.parts, last], this.size).toString(this.encoding));
      this.reset();
      this.afterEnd = true;
      pos = end + 1;
    }
    return result;
  }

  private beginFrame(): void {
    this.reset();
    this.inFrame = true;
  }

  private reset(): void {
    this.parts = [];
    this.size = 0;
    this.inFrame = false;
    this.discarding = false;
  }

  private append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.size += bytes.length;
    if (this.discarding) return;
    if (this.size > this.maxFrameSize) {
      // Keep counting (pendingBytes) but stop holding memory for a frame we will drop.
      this.discarding = true;
      this.parts = [];
      return;
    }
    // Copy: the socket may reuse its buffer after the read callback returns.
    this.parts.push(Buffer.from(bytes));
  }
}
