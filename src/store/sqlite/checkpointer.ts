/**
 * WAL checkpoints in a worker thread (#17). SQLite checkpoints automatically inside the COMMIT that
 * takes the WAL file past 1000 pages: it copies the WAL into the database file and fsyncs both, on
 * the thread that committed. On the gateway's connection that is the event loop: a 10,000-OBX ORU
 * commits ~50 MB, and its COMMIT held the loop for over a second (measured 1.3 s at load average
 * 10, of which the checkpoint was most: the same COMMIT without it, 25-35 ms).
 *
 * So the store's own connection does not checkpoint (wal_autocheckpoint = 0) once this runs, and a
 * worker thread with a connection of its own on the same file runs PASSIVE checkpoints (which wait
 * for no reader or writer; what a transaction in progress still adds is taken by the next one)
 * whenever the store asks after a commit, one at a time. The WAL file is reused from its start by
 * the next write after a checkpoint that took all of it, as with automatic checkpoints. Nothing of
 * durability changes: a checkpoint copies what is committed and fsync'd already.
 *
 * Started only when the WAL file has grown past START_BYTES (a CLI command or a test store never
 * starts a thread). If the worker fails, the connection checkpoints automatically again.
 *
 * A bound on the WAL file: under writes that never pause, a PASSIVE checkpoint never takes all of
 * the WAL (frames keep coming while it copies), so SQLite never writes the WAL from its start
 * again and the file grows without end (75 MB over 3,200 back-to-back searches' audit rows; 65 MB
 * for 40 MB of queued transactions in test/store/wal-sync.test.ts). Once the file passes
 * LIMIT_BYTES, a checkpoint after a commit, made while the store starts no write, copies the rest, so
 * the next write starts the file again from its start (cut back to the limit by journal_size_limit). The worker makes it while the store starts no write (afterCommit's
 * promise: the store holds its callers until it settles), so it gets the write lock at once: its
 * busy handler's polling alone missed the gaps between the connection's back-to-back transactions
 * (the file reached 4x the limit in the test). The connection made it itself before (#17), which
 * paused the event loop once per LIMIT_BYTES written, the copy and two fsyncs (70 ms and more in
 * the bench's /health measurement); now writes wait for it as they did, and the event loop does not.
 *
 * One large transaction is not that case: a 10,000-OBX ORU's processing commit alone writes tens
 * of MB of WAL, and a TRUNCATE right after it copied all of that on the event loop (788 ms of a
 * 1.4 s block in a profile at load average 9). So a commit that grew the file by a quarter of the
 * limit or more, and took it past the limit, leaves the copy to the worker (asked as after any
 * commit); the TRUNCATE is made only if the file is still past the limit once a worker
 * checkpoint that started after that commit has finished (writes kept coming, so it could not take
 * all of the WAL, and the connection has only what came since to copy), or once the file has grown
 * by another quarter of the limit meanwhile (the bound holds). When the worker's checkpoint did take
 * all of it, the next write starts the WAL again and journal_size_limit (set to the limit) cuts the
 * file back to the limit at that commit.
 */
import { Worker } from 'node:worker_threads';
import { endianness } from 'node:os';
import { createRequire } from 'node:module';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { Db } from './db.js';

/** WAL size from which checkpoints run in the worker (SQLite's own threshold is 1000 pages, ~4 MB). */
export const START_BYTES = 1 << 20;
/** WAL size past which a worker checkpoint takes all of the WAL while the store holds its writes (the bound on the file). */
export const LIMIT_BYTES = 64 << 20;
/**
 * At most one worker checkpoint starts per this many ms (#17): commits in between are taken by the
 * next one, which a timer starts. A checkpoint after every commit (as before) was a PASSIVE pass
 * per group commit, each copying the few pages that commit changed and fsyncing the WAL and the
 * database file: at intake's rate (hundreds of commits a second) about a fifth of the gateway
 * process's CPU per message on the shared disk, and two more fsyncs beside every commit's own on
 * the same disk. Once per 50 ms each pass copies a page once for many commits (intake rewrites the
 * same index pages), and the WAL grows by at most what 50 ms of commits write before a pass.
 * Longer intervals were tried (session 9: 200 ms and 1 s, for fewer fsyncs beside the commits'):
 * at a steady 100 msg/s the WAL then no longer started again from its beginning (12 and 26-38 MB
 * after 700 messages, against 2-4 MB at 50 ms, bench/profile/ack-trace.ts): a pass copying that
 * many commits is overtaken by the next commit, so it never takes all of the WAL, every commit
 * appends to the file (its fdatasync then writes the size too, and the file heads for LIMIT_BYTES,
 * where the connection TRUNCATEs on the event loop). Short passes finish between commits.
 */
export const CHECKPOINT_INTERVAL_MS = 50;
/** Autocheckpoint pages the connection goes back to if the worker fails (SQLite's default). */
const DEFAULT_AUTOCHECKPOINT = 1000;

/** Every checkpoint PASSIVE: a 'whole' one runs while the store holds its writes, so it takes all of the WAL (Checkpointer.whole). */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('wal_autocheckpoint = 0');
parentPort.on('message', (m) => {
  if (m === 'close') { db.close(); parentPort.close(); return; }
  let r;
  try { r = db.pragma('wal_checkpoint(PASSIVE)')[0]; } catch (e) { r = { error: String(e && e.message || e) }; }
  parentPort.postMessage({ ...r, kind: m });
});
`;

/** The WAL's valid frames (the wal-index's mxFrame), the WAL's checkpoint sequence, and the bytes of one frame. */
interface WalFrames { count: number; sequence: number; bytes: number }

export class Checkpointer {
  private worker: Worker | undefined;
  private running = false;
  private again = false;
  private failed = false;
  private closed: Promise<void> | undefined;
  /** Worker checkpoints asked for, and the last one finished (their numbers). */
  private asked = 0;
  private finished = 0;
  /** A large commit took the file past the limit: the first worker checkpoint that starts after it, and the file's size then. */
  private large: { from: number; size: number } | undefined;
  /** The file's size after the last commit (what a commit grew it by). */
  private lastSize = 0;
  /** The WAL's frames after the last commit (walFrames). */
  private lastFrames: WalFrames | undefined;
  /** The WAL file and its index (-shm), open for reading their headers (once the worker runs). */
  private fds: { wal: number; shm: number } | undefined;
  /** When the last worker checkpoint was asked for (performance.now() ms), and the timer that asks for the next. */
  private lastAsk = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  /** A checkpoint of all of the WAL asked of the worker: settles when it is done (or the worker failed); the store starts no write meanwhile. */
  private holding: { done: Promise<void>; settle: () => void; sent: boolean } | undefined;

  /**
   * `limitBytes`: the WAL size past which the connection checkpoints all of it (default LIMIT_BYTES; tests make it small).
   * `intervalMs`: at most one worker checkpoint per this many ms (CHECKPOINT_INTERVAL_MS; 0: after every commit).
   */
  constructor(private readonly db: Db, private readonly walPath: string, private readonly limitBytes = LIMIT_BYTES, private readonly intervalMs = CHECKPOINT_INTERVAL_MS) {}

  /**
   * After a commit: start the worker once the WAL is big enough, and ask for a checkpoint (coalesced).
   * Returns a promise when the WAL is to be checkpointed whole (the bound on the file):
   * the worker does it, and the store starts no write until it settles (it never rejects).
   */
  afterCommit(): Promise<void> | undefined {
    if (this.failed || this.closed) return undefined;
    if (this.holding) return this.holding.done;
    if (!this.worker) {
      if (this.walSize() < START_BYTES) return;
      this.start();
    } else {
      const size = this.walSize();
      // What this commit wrote: the WAL's frames now less those before it. Not what the file grew
      // by: a write that starts the WAL again (after a checkpoint took all of it) writes from the
      // file's start and the file keeps its size (up to the limit), so a ~70 MB processing commit
      // (a 10,000-OBX ORU) soon after grew a 64 MB file by a few MB, was taken for steady writes,
      // and its TRUNCATE copied all of it on the event loop (304 ms of a 358 ms block in the bench).
      // The frames are read (two reads of the files' headers) only once the file is past half the
      // limit, after this commit or the last: below, the file's growth is all `grew` is needed
      // for. It is only used past the limit, and a commit that takes the file from at most half the
      // limit past it grew it by more than a quarter of it (frames written >= the file's growth),
      // which is what the frames would say too. Per commit, on the event loop, those reads were
      // ~5% of an original-mode message's store work (#17: one commit per message on 1 connection).
      const half = this.limitBytes / 2;
      const frames = size > half || this.lastSize > half ? this.walFrames() : undefined;
      const grew = frames && this.lastFrames
        ? (frames.sequence === this.lastFrames.sequence && frames.count >= this.lastFrames.count ? frames.count - this.lastFrames.count : frames.count) * frames.bytes
        : size - this.lastSize;
      this.lastFrames = frames;
      this.lastSize = size;
      if (size <= this.limitBytes) {
        this.large = undefined;
      } else if (!this.large && grew >= this.limitBytes / 4) {
        // The next worker checkpoint to start (asked for below, or after the one running, which
        // began before this commit) may take it all.
        this.large = { from: this.asked + 1, size };
      } else if (!this.db.inTransaction && (!this.large || (this.finished >= this.large.from && !this.running) || size >= this.large.size + this.limitBytes / 4)) {
        // In the worker, while the store starts no write: with no transaction of the connection to
        // wait for, its checkpoint takes every frame, and the copy with its fsyncs (70-300 ms
        // on the event loop when the connection made it, #17) leaves the event loop free (/health,
        // ACKs of what is committed). Busy (another process's reader) or failing: the next commit
        // tries again; what was committed stands either way.
        return this.whole();
      }
    }
    if (this.running) {
      this.again = true;
      return undefined;
    }
    this.askSoon();
    return undefined;
  }

  /**
   * All of the WAL checkpointed in the worker while the store holds its writes, after the
   * checkpoint it is running (if any). PASSIVE, not TRUNCATE (#17): with no write coming it takes
   * every frame all the same, and the next write starts the file from its start, overwriting it in
   * place (journal_size_limit cuts it back to the limit). TRUNCATE also emptied the file: writes
   * were held 30-33 ms each time at a steady 2,000 msg/s against 1.5-2.5 ms for PASSIVE
   * (bench/profile/ack-trace.ts, `WAL bound` line; once per ~64 MB of WAL, every ~3 s at that rate),
   * which held every ACK of those 30 ms: the p99 ACK latency of a 3 s run.
   */
  private whole(): Promise<void> {
    let settle!: () => void;
    const done = new Promise<void>((r) => { settle = r; });
    this.holding = { done, settle, sent: false };
    if (!this.running) this.sendWhole();
    return done;
  }

  private sendWhole(): void {
    this.holding!.sent = true;
    this.running = true;
    this.worker!.postMessage('whole');
  }

  /** The whole checkpoint is over (done, busy, or the worker gone): the store may write again. */
  private tookAll(): void {
    const t = this.holding;
    this.holding = undefined;
    this.large = undefined;
    this.lastSize = this.walSize();
    this.lastFrames = this.walFrames();
    t?.settle();
  }

  /** Ask for a checkpoint now, or when CHECKPOINT_INTERVAL_MS has passed since the last one was asked for. */
  private askSoon(): void {
    if (this.timer) return;
    const wait = this.lastAsk + this.intervalMs - performance.now();
    if (wait <= 0) {
      this.ask();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.closed || this.failed || this.running) return;
      this.ask();
    }, wait);
    this.timer.unref();
  }

  /**
   * How many frames the WAL holds now, from SQLite's file formats (sqlite.org/walformat.html): the
   * wal-index header's mxFrame (the -shm file's bytes 16-19, native byte order; written at every
   * commit), the WAL header's checkpoint sequence (bytes 12-15, big-endian; it moves each time a
   * write starts the file again) and page size (bytes 8-11). Undefined when they cannot be read:
   * the caller then goes by the file's size.
   */
  private walFrames(): WalFrames | undefined {
    try {
      this.fds ??= { wal: openSync(this.walPath, 'r'), shm: openSync(`${this.walPath.slice(0, -4)}-shm`, 'r') };
      const head = Buffer.alloc(16);
      const index = Buffer.alloc(4);
      if (readSync(this.fds.wal, head, 0, 16, 0) !== 16 || readSync(this.fds.shm, index, 0, 4, 16) !== 4) return undefined;
      const count = endianness() === 'LE' ? index.readUInt32LE(0) : index.readUInt32BE(0);
      return { count, sequence: head.readUInt32BE(12), bytes: head.readUInt32BE(8) + 24 };
    } catch {
      return undefined;
    }
  }

  private walSize(): number {
    try {
      return statSync(this.walPath).size;
    } catch {
      return 0;
    }
  }

  private ask(): void {
    this.running = true;
    this.lastAsk = performance.now();
    this.asked++;
    this.worker!.postMessage('checkpoint');
  }

  private start(): void {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    const w = new Worker(WORKER, { eval: true, workerData: { module, path: this.db.name } });
    w.unref();
    w.on('message', (r: { error?: string; kind?: string }) => {
      if (r?.error) this.fail();
      this.running = false;
      if (r?.kind === 'whole') this.tookAll();
      else this.finished = this.asked;
      if (this.holding && !this.holding.sent && !this.failed) {
        this.sendWhole();
        return;
      }
      if (this.again && !this.closed && !this.failed) {
        this.again = false;
        this.askSoon();
      }
    });
    w.on('error', () => this.fail());
    // Gone without being closed: as a failure (a store waiting for its whole checkpoint goes on).
    w.on('exit', () => { if (!this.closed) this.fail(); });
    this.worker = w;
    this.db.pragma('wal_autocheckpoint = 0');
    // After a checkpoint that took all of the WAL, the next write starts the file again and cuts
    // it back to this size (SQLite leaves a WAL file at its largest otherwise).
    this.db.pragma(`journal_size_limit = ${this.limitBytes}`);
  }

  /** The worker failed: the connection checkpoints by itself again (in its COMMITs, as SQLite does by default). */
  private fail(): void {
    if (this.failed) return;
    this.failed = true;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT}`);
    void this.worker?.terminate();
    // A store waiting for a whole checkpoint goes on: the connection checkpoints in its COMMITs again.
    if (this.holding) this.tookAll();
  }

  /** Stop the worker (before the store's connection closes). */
  close(): Promise<void> {
    this.closed ??= (async () => {
      clearTimeout(this.timer);
      if (this.fds) { closeSync(this.fds.wal); closeSync(this.fds.shm); }
      this.fds = undefined;
      const t = this.holding;
      this.holding = undefined;
      t?.settle();
      const w = this.worker;
      if (!w || this.failed) return;
      // Referenced while it closes: an unreferenced worker and timer would let the process exit
      // in the middle of the store's close (nothing else keeps the event loop alive by then).
      w.ref();
      const exited = new Promise<void>((r) => w.once('exit', () => r()));
      w.postMessage('close');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((r) => { timer = setTimeout(r, 2000); })]);
      clearTimeout(timer);
      await w.terminate();
    })();
    return this.closed;
  }
}
