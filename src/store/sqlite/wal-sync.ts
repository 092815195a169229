/**
 * The fsync of a SQLite WAL file, off the event loop (#17). A transaction committed with
 * synchronous=NORMAL has written its frames to the WAL file (the OS holds them) but not fsync'd
 * them; `sync()` resolves once an fsync of the WAL file that began after that COMMIT has finished,
 * which is what synchronous=FULL does inside the COMMIT (SQLite fsyncs the WAL after writing a
 * commit's frames), only here the fsync runs in libuv's thread pool and the event loop goes on.
 *
 * Group fsync, two in flight (#17): a commit made while an fsync runs may not be covered by it
 * (its frames may have been written after the fsync began). With one fsync at a time it waited for
 * that one to end and then for its own (two fsyncs behind its ACK, the commonest slow commit ACK in
 * bench/profile/ack-trace.ts); now it starts a second at once (`FSYNCS_IN_FLIGHT`), and only a commit
 * made while two run waits for the next, which all commits made meanwhile share. On Linux an
 * fdatasync returns once every page of the file dirty when it was called is on disk, pages another
 * fdatasync is writing included, so each covers what was written before it began whatever runs
 * beside it. In order, and all or nothing: an fsync resolves only once every fsync started before
 * it has, and fails when one of them failed (a failed write-back is reported to one fdatasync of a
 * file description only, so one that began beside a failed one may report success for pages the
 * failure lost); so what a caller sees durable is a prefix of the commits, as before, and a reader
 * outside a transaction waits for the last one started. The WAL file is opened once, at the first fsync, and kept open: the
 * WAL file of an open connection is never deleted or replaced (SQLite deletes it when the last
 * connection to the database closes, and this store's connection is open until close(), which
 * closes this handle first). On Linux fsync flushes the file's data whichever descriptor wrote it.
 * One thread-pool round trip per fsync: each is a turn the event loop must get (open, fsync and
 * close per fsync made it three, 30-70 ms behind busy turns on a loaded machine).
 *
 * An fsync that fails rejects every commit waiting for it: the caller acknowledges none of them.
 *
 * fdatasync, not fsync (#17): a commit's WAL frames rewrite a file that keeps its size (SQLite writes
 * the WAL from its start again after a checkpoint took all of it), so the only metadata an fsync adds
 * is the modification time, a journal commit of the file system per fsync at the gateway's commit
 * rates (the time changes between any two commits a few ms apart). fdatasync still writes the
 * metadata the data needs to be read back (the size when the file grew), which is what SQLite itself
 * asks of it where it is available.
 *
 * Deferred fsync (`dirty()`, #17): a commit that nobody waits to see durable (a processing commit of
 * messages whose senders had their commit ACK and want nothing more) asks for no fsync of its own:
 * the next fsync, which any later commit asks for, covers its frames too (they were written before
 * it began), and so does one that `pending()` starts for a reader outside a transaction, or the
 * timer (`DIRTY_MS`) when nothing else comes. Its frames are durable later, never lost silently: a
 * crash before that fsync loses that commit whole (its message stays unprocessed and is processed by
 * the next start), and nothing read it outside a transaction meanwhile.
 */
import { close as closeFd, fdatasync as fdatasyncFd, open as openFd } from 'node:fs';
import { promisify } from 'node:util';

// A plain descriptor, not a FileHandle: a store a short-lived command forgets to close must not
// print Node's "Closing file descriptor on garbage collection" warning.
const open = promisify(openFd);
const fdatasync = promisify(fdatasyncFd);

/** A deferred fsync (dirty()) starts at the latest this long after the commit that asked for none. */
export const DIRTY_MS = 20;

/** Fsyncs of the WAL file running at once (see the file comment); a commit made while this many run waits for the next. */
export const FSYNCS_IN_FLIGHT = 2;
const closeDescriptor = promisify(closeFd);

export class WalSync {
  /**
   * The fsync started last, until it settles (it resolves once it and every fsync started before it
   * succeeded), and the one that starts when one of those in flight ends (shared by every commit
   * made while `inFlight` fsyncs run).
   */
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;
  /** fdatasync calls made and not returned, and what waits for one of them to return (`next`'s start). */
  private inFlight = 0;
  private slotFree: Array<() => void> = [];

  private handle: Promise<number> | undefined;
  /** Commits made (frames written) that no fsync begun since covers: dirty() made them. */
  private unsynced = false;
  private dirtyTimer: NodeJS.Timeout | undefined;

  constructor(readonly path: string, readonly dirtyMs = DIRTY_MS, readonly maxInFlight = FSYNCS_IN_FLIGHT) {}

  /**
   * A commit was made whose fsync nobody waits for: the next fsync covers it (see the file
   * comment); one starts after `dirtyMs` if nothing asks for one before.
   */
  dirty(): void {
    this.unsynced = true;
    this.dirtyTimer ??= setTimeout(() => {
      this.dirtyTimer = undefined;
      if (this.unsynced) this.sync().catch(noop);
    }, this.dirtyMs);
  }

  /** Resolves once everything written to the WAL file before this call is on disk. */
  sync(): Promise<void> {
    if (this.inFlight < this.maxInFlight) return this.start();
    this.next ??= new Promise<void>((r) => this.slotFree.push(r)).then(() => {
      this.next = undefined;
      return this.start();
    });
    return this.next;
  }

  /**
   * The fsync that will cover every commit made so far (the one waiting to start, else the one
   * running), or undefined when none is pending: what a reader outside a transaction waits for.
   */
  pending(): Promise<void> | undefined {
    // A commit dirty() left without an fsync: a reader may see it, so it gets one now.
    if (this.unsynced) return this.sync();
    return this.next ?? this.running;
  }

  /** Resolves when no fsync is running or waiting, and none is owed (what was asked for so far is done, or failed). */
  async settled(): Promise<void> {
    if (this.unsynced) await this.sync().catch(noop);
    while (this.running || this.next) await (this.next ?? this.running)!.then(noop, noop);
  }

  /** Close the WAL file's descriptor (after settled(); the store's close). */
  async close(): Promise<void> {
    await this.settled();
    clearTimeout(this.dirtyTimer);
    this.dirtyTimer = undefined;
    const h = this.handle;
    this.handle = undefined;
    const fd = h ? await h.catch(() => undefined) : undefined;
    if (fd !== undefined) await closeDescriptor(fd);
  }

  private async fsync(): Promise<void> {
    this.handle ??= open(this.path, 'r+');
    let fd: number;
    try {
      fd = await this.handle;
    } catch (e) {
      this.handle = undefined;
      throw e;
    }
    await fdatasync(fd);
  }

  private start(): Promise<void> {
    // This fsync begins after every commit made so far: it covers those dirty() left unsynced.
    this.unsynced = false;
    clearTimeout(this.dirtyTimer);
    this.dirtyTimer = undefined;
    const before = this.running;
    this.inFlight++;
    const own = this.fsync();
    const returned = () => {
      this.inFlight--;
      this.slotFree.shift()?.();
    };
    own.then(returned, returned);
    const p = (async () => {
      let failure: { error: unknown } | undefined;
      try {
        await own;
      } catch (e) {
        failure = { error: e };
      }
      // In order, all or nothing (see the file comment): an earlier fsync's failure is this one's too.
      if (before) await before;
      if (failure) throw failure.error;
    })();
    const settle = () => {
      if (this.running === p) this.running = undefined;
    };
    p.then(settle, settle);
    this.running = p;
    return p;
  }
}

function noop(): void {}
