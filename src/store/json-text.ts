/**
 * JSON that is already text: a large message's outputs serialized once (in the processing worker
 * thread, ../runtime/process-worker.ts, or once for both the outcome and its attempt row) are
 * stored as they are instead of being stringified again on the event loop. Both engines store a
 * JsonText's text exactly where they would have stored JSON.stringify of the value it stands for.
 *
 * A JsonText may also carry the same text gzip-compressed (`gzip`: one or more gzip members,
 * concatenated; RFC 1952 lets a reader take them as one stream, and node:zlib does). An engine
 * whose `Store.storesGzipJson` is true (SQLite) stores those bytes instead of the text: a
 * 10,000-OBX ORU's outputs are 12 MB of text and ~1 MB gzipped, and the SQLite row write is one
 * synchronous call on the event loop (85-465 ms each for the outcome and the attempt row). The
 * reader (`parseJsonColumn`) takes either form, so reading back gives the same JSON.
 */
import { gunzipSync } from 'node:zlib';

export class JsonText {
  /** `text` or `gzip` (or both); without text, `text` is made from the gzip when asked for. */
  constructor(private readonly plain: string | undefined, readonly gzip?: Buffer | undefined) {
    if (plain === undefined && gzip === undefined) throw new Error('JsonText without text or gzip');
  }

  get text(): string {
    return this.plain ?? gunzipSync(this.gzip!).toString('utf8');
  }
}

/** The text of a JSON column: a JsonText as it is, anything else stringified; undefined -> SQL NULL. */
export function jsonColumn(v: unknown): string | null {
  return v === undefined ? null : v instanceof JsonText ? v.text : JSON.stringify(v);
}

/** jsonColumn, for an engine that stores a JsonText's gzip bytes when it has them (a BLOB in SQLite). */
export function jsonOrGzipColumn(v: unknown): string | Buffer | null {
  return v instanceof JsonText && v.gzip ? v.gzip : jsonColumn(v);
}

/** A JSON column read back: text, or gzip bytes (jsonOrGzipColumn); NULL -> null. */
export function parseJsonColumn(s: string | Uint8Array | null | undefined): unknown {
  if (s === null || s === undefined) return null;
  return JSON.parse(typeof s === 'string' ? s : gunzipSync(s).toString('utf8'));
}
