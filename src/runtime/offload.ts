/**
 * Processing off the event loop: a pool of worker threads (./process-worker.ts, sized to the
 * cores) that run the parse -> map -> validate of large HL7v2 messages, so one 10,000-OBX ORU does
 * not stop intake, other channels or `/health` for seconds. The pipeline (./pipeline.ts) asks for
 * it before the message's processing commit and checks, inside that commit, that the stored
 * resources the run read are still the same (otherwise it runs the message again in the commit).
 *
 * The stored-resource protocol is that of src/flows/stored-lookup.ts: a run gets what was fetched
 * so far and reports its misses; they are fetched and, when any exists, the run is repeated.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import type { ChannelConfig } from '../config.js';
import type { Issue } from '../domain/issues.js';
import type { FlowContext } from '../flows/types.js';
import type { Hl7Processing } from '../flows/hl7v2/index.js';
import type { ReadResource } from '../flows/stored-lookup.js';
import { eventLoopPause } from './pause.js';

export interface OffloadRequest {
  raw: string;
  channel: ChannelConfig;
  ctx: Omit<FlowContext, 'lookup'>;
  intake: Issue[];
  /** The flow the gateway would run (the worker refuses when it would run another). */
  flow?: string | undefined;
  /**
   * The mapping version the gateway records for this run (processing_attempts.mapping_version):
   * a worker whose cached mappings are another version reads them from disk again first (a
   * replay reloaded them in the gateway), and refuses when the disk holds yet another one.
   */
  mappingVersion: string;
  /**
   * The stored resources fetched so far, as the JSON text of `[[key, resource or null], ...]`: one
   * string crosses to the worker as one copy, where 10,000 Observations as objects took a
   * structured-clone write of 118-152 ms on the event loop.
   */
  known: string;
  /** The store keeps outputs gzipped (Store.storesGzipJson): the worker gzips the Bundle's text too (`OutputJson.bundleGzip`). */
  gzip?: boolean | undefined;
}

/**
 * A run without its parsed message (the caller reads the MSH again for the ACK), and its outputs
 * already serialized in the worker (`json`: JSON.stringify of the Bundle and of the office
 * records), so the event loop does not stringify a 10,000-entry Bundle to store it. Its issues
 * travel as their JSON text (`issuesText`, `issues` then empty): 10,000 issue objects took a
 * structured-clone read of ~200 ms on the event loop, one JSON.parse of their text a tenth of it.
 */
export type OffloadedRun = Omit<Hl7Processing, 'message'> & {
  readable: boolean;
  json?: OutputJson | undefined;
  issuesText?: string | undefined;
  /** issuesText gzipped, when the request asked for gzip (`gzip`): the outcome and attempt rows store it (2.9 MB of text for 10,000 OBX, each row a synchronous write). */
  issuesGzip?: Uint8Array | undefined;
};

/**
 * JSON.stringify(output.bundle), as UTF-8 bytes (`bundleUtf8`: moved from the worker, not copied:
 * a 12 MB string took a structured-clone read of hundreds of ms on the event loop), and
 * JSON.stringify(output.office); and where each of the Bundle's entries is in those bytes
 * (`entrySpans`: start and end byte of entry i at 2i and 2i + 1), when the entries can travel so:
 * the run's Bundle then arrives with `entry: []`, and the gateway reads the entries back one by
 * one from their bytes between turns of the event loop (entriesFromText) instead of in one
 * structured-clone read of a 10,000-entry Bundle. The text itself is made only where it is needed
 * (bundleText: an outbox item with the Bundle, a store that keeps text).
 */
export interface OutputJson {
  bundleUtf8: Uint8Array;
  office: string;
  entrySpans?: Uint32Array | undefined;
  /** The Bundle's text gzipped (a gzip member), when the request asked for it (`gzip`): the gateway stores the outputs so. */
  bundleGzip?: Uint8Array | undefined;
}

/** The Bundle's JSON text from its bytes. */
export function bundleText(json: OutputJson): string {
  return Buffer.from(json.bundleUtf8.buffer, json.bundleUtf8.byteOffset, json.bundleUtf8.byteLength).toString('utf8');
}

/** A Bundle's entries from their bytes, giving the event loop its turns (`pause`) as it goes. */
export async function entriesFromText(json: OutputJson, pause: () => Promise<void> | undefined): Promise<unknown[]> {
  const spans = json.entrySpans ?? new Uint32Array(0);
  const bytes = Buffer.from(json.bundleUtf8.buffer, json.bundleUtf8.byteOffset, json.bundleUtf8.byteLength);
  const n = spans.length / 2;
  const out: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) {
    await pause();
    out[i] = JSON.parse(bytes.toString('utf8', spans[2 * i]!, spans[2 * i + 1]!));
  }
  return out;
}

const ENTRIES_MARK = '\u0000entries\u0000';

/**
 * The output as the worker sends it: texts made here, off the event loop. The Bundle's text is
 * the entries' texts joined into its skeleton, which is exactly JSON.stringify of the Bundle (an
 * array is '[' + its items' texts joined by ',' + ']'); when that cannot be done surely (no entry
 * array, the mark found twice) the whole Bundle is stringified and travels as an object.
 */
export function serializeOutput(output: { bundle: { entry?: unknown[] | undefined }; office: unknown[] }): { bundle: typeof output.bundle; json: OutputJson } {
  const office = JSON.stringify(output.office);
  const b = output.bundle;
  const texts = Array.isArray(b.entry) ? b.entry.map((e) => JSON.stringify(e) as string | undefined) : undefined;
  if (texts && texts.every((t) => typeof t === 'string')) {
    const skeleton = JSON.stringify({ ...b, entry: ENTRIES_MARK });
    const token = JSON.stringify(ENTRIES_MARK);
    const at = skeleton.indexOf(token);
    if (at >= 0 && at === skeleton.lastIndexOf(token)) {
      const head = `${skeleton.slice(0, at)}[`;
      const bundleUtf8 = Buffer.from(`${head}${texts.join(',')}]${skeleton.slice(at + token.length)}`, 'utf8');
      const entrySpans = new Uint32Array(texts.length * 2);
      let pos = Buffer.byteLength(head, 'utf8');
      texts.forEach((t, i) => {
        const len = Buffer.byteLength(t!, 'utf8');
        entrySpans[2 * i] = pos;
        entrySpans[2 * i + 1] = pos + len;
        pos += len + 1;
      });
      return { bundle: { ...b, entry: [] }, json: { bundleUtf8, office, entrySpans } };
    }
  }
  return { bundle: b, json: { bundleUtf8: Buffer.from(JSON.stringify(b), 'utf8'), office } };
}

/** The ArrayBuffers of a reply the worker may move instead of copy: only ones a typed array owns whole (never a pooled Buffer's). */
export function transferables(reply: OffloadReply): ArrayBuffer[] {
  if (!('run' in reply) || !reply.run.json) return [];
  const j = reply.run.json;
  const out: ArrayBuffer[] = [];
  for (const a of [j.bundleUtf8, j.bundleGzip, j.entrySpans]) {
    if (a && a.byteOffset === 0 && a.buffer instanceof ArrayBuffer && a.byteLength === a.buffer.byteLength && a.byteLength >= 64 * 1024 && !out.includes(a.buffer)) out.push(a.buffer);
  }
  return out;
}

export type OffloadReply = { run: OffloadedRun; misses: Array<[string, string]> } | { error: string };

/** A finished off-thread run and every stored resource it read, as JSON text ('null': none), to check again inside the commit. */
export interface Prepared {
  raw: string;
  run: OffloadedRun;
  known: Map<string, string>;
}

const MAX_ROUNDS = 8;

/** The default pool size: one thread per core but one (the event loop keeps a core), at least one. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}

interface Slot {
  worker: Worker;
  busy: boolean;
  pending?: { seq: number; resolve: (r: OffloadReply) => void; reject: (e: Error) => void } | undefined;
}

/** tsx's ESM register API (only needed when running from src/ under tsx). */
function tsxEsmApi(): string {
  return createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs');
}

export class ProcessingPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Array<{ req: OffloadRequest; resolve: (r: OffloadReply) => void; reject: (e: Error) => void }> = [];
  private seq = 0;
  private closed = false;

  constructor(private readonly opts: { size: number; extraProfileDir?: string | undefined; log?: Logger | undefined }) {}

  /** Run parse -> map -> validate off the event loop, fetching stored resources as the flow asks (`read`). */
  async precompute(read: ReadResource, req: Omit<OffloadRequest, 'known'>): Promise<Prepared> {
    const known = new Map<string, string>();
    const pairs: string[] = [];
    // A 10,000-OBX ORU asks for 10,000 Observations: reads awaited one after another are
    // microtasks and would hold the event loop for all of them; it gets its turns as they go.
    const pause = eventLoopPause();
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const reply = await this.run({ ...req, known: `[${pairs.join(',')}]` });
      if ('error' in reply) throw new Error(reply.error);
      let found = false;
      for (const [type, id] of reply.misses) {
        const key = `${type}/${id}`;
        if (known.has(key)) continue;
        await pause();
        const r = (await read(type, id)) ?? null;
        const text = JSON.stringify(r);
        known.set(key, text);
        pairs.push(`[${JSON.stringify(key)},${text}]`);
        if (r) found = true;
      }
      if (!found) return { raw: req.raw, run: reply.run, known };
    }
    throw new Error(`the flow still asked for new stored resources after ${MAX_ROUNDS} rounds`);
  }

  private run(req: OffloadRequest): Promise<OffloadReply> {
    if (this.closed) return Promise.reject(new Error('processing pool closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ req, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.opts.size) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.busy = true;
      const seq = ++this.seq;
      slot.pending = { seq, resolve: job.resolve, reject: job.reject };
      slot.worker.postMessage({ seq, req: job.req });
    }
  }

  private spawn(): Slot {
    // From src/ (tsx: the .ts file, the tsx loader inherited through execArgv) or from dist/ (.js).
    const self = fileURLToPath(import.meta.url);
    const file = self.replace(/offload\.(ts|js)$/, (_m, ext: string) => `process-worker.${ext}`);
    const workerData = { extraProfileDir: this.opts.extraProfileDir };
    // On Node 20 a worker does not inherit the tsx loader (`--import tsx` hooks stay on the main
    // thread), so from src/ the worker registers it itself before loading the .ts file.
    const worker = file.endsWith('.ts')
      ? new Worker(`import(${JSON.stringify(pathToFileURL(tsxEsmApi()).href)}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(file).href)}); });`, { eval: true, workerData })
      : new Worker(file, { workerData });
    worker.unref();
    const slot: Slot = { worker, busy: false };
    worker.on('message', (m: { seq: number; reply: OffloadReply }) => {
      const p = slot.pending;
      if (!p || p.seq !== m.seq) return;
      slot.pending = undefined;
      slot.busy = false;
      p.resolve(m.reply);
      this.pump();
    });
    const gone = (e: Error) => {
      // A worker that died takes its request with it (the caller processes that message itself); a new one is spawned on demand.
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      slot.pending?.reject(e);
      slot.pending = undefined;
      if (!this.closed) {
        this.opts.log?.warn({ err: e.message }, 'processing worker stopped');
        this.pump();
      }
    };
    worker.on('error', gone);
    worker.on('exit', (code) => gone(new Error(`processing worker exited (${code})`)));
    this.slots.push(slot);
    return slot;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.queue.splice(0)) j.reject(new Error('processing pool closed'));
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }
}
