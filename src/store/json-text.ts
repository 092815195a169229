/**
 * JSON that is already text: a large message's outputs serialized once (in the processing worker
 * thread, ../runtime/process-worker.ts, or once for both the outcome and its attempt row) are
 * stored as they are instead of being stringified again on the event loop. Both engines store a
 * JsonText's text exactly where they would have stored JSON.stringify of the value it stands for.
 */
export class JsonText {
  constructor(readonly text: string) {}
}

/** The text of a JSON column: a JsonText as it is, anything else stringified; undefined -> SQL NULL. */
export function jsonColumn(v: unknown): string | null {
  return v === undefined ? null : v instanceof JsonText ? v.text : JSON.stringify(v);
}
