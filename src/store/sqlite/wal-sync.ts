/**
 * The fsync of a SQLite WAL file, off the event loop (#17). A transaction committed with
 * synchronous=NORMAL has written its frames to the WAL file (the OS holds them) but not fsync'd
 * them; `sync()` resolves once an fsync of the WAL file that began after that COMMIT has finished,
 * which is what synchronous=FULL does inside the COMMIT (SQLite fsyncs the WAL after writing a
 * commit's frames), only here the fsync runs in libuv's thread pool and the event loop goes on.
 *
 * Group fsync: one fsync at a time. A commit made while one is running may not be covered by it
 * (its frames may have been written after the fsync began), so it waits for the next, which all
 * commits made meanwhile share. The WAL file is opened once, at the first fsync, and kept open: the
 * WAL file of an open connection is never deleted or replaced (SQLite deletes it when the last
 * connection to the database closes, and this store's connection is open until close(), which
 * closes this handle first). On Linux fsync flushes the file's data whichever descriptor wrote it.
 * One thread-pool round trip per fsync: each is a turn the event loop must get (open, fsync and
 * close per fsync made it three, 30-70 ms behind busy turns on a loaded machine).
 *
 * An fsync that fails rejects every commit waiting for it: the caller acknowledges none of them.
 */
import { close as closeFd, fsync as fsyncFd, open as openFd } from 'node:fs';
import { promisify } from 'node:util';

// A plain descriptor, not a FileHandle: a store a short-lived command forgets to close must not
// print Node's "Closing file descriptor on garbage collection" warning.
const open = promisify(openFd);
const fsync = promisify(fsyncFd);
const closeDescriptor = promisify(closeFd);

export class WalSync {
  /** The fsync running now, and the one that starts after it (shared by every commit made meanwhile). */
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  private handle: Promise<number> | undefined;

  constructor(readonly path: string) {}

  /** Resolves once everything written to the WAL file before this call is on disk. */
  sync(): Promise<void> {
    if (!this.running) return this.start();
    this.next ??= this.running.then(noop, noop).then(() => {
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
    return this.next ?? this.running;
  }

  /** Resolves when no fsync is running or waiting (what was asked for so far is done, or failed). */
  async settled(): Promise<void> {
    while (this.running || this.next) await (this.next ?? this.running)!.then(noop, noop);
  }

  /** Close the WAL file's descriptor (after settled(); the store's close). */
  async close(): Promise<void> {
    await this.settled();
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
    await fsync(fd);
  }

  private start(): Promise<void> {
    const p = this.fsync().finally(() => {
      if (this.running === p) this.running = undefined;
    });
    this.running = p;
    return p;
  }
}

function noop(): void {}
