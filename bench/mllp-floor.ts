/**
 * The floor of the MLLP rows (#17): the least a store-then-ACK server can do on this machine, not a
 * product. It keeps the guarantee the gateway keeps, that a commit ACK leaves only once its message
 * is on disk, and nothing else: no message browser columns or indexes, no duplicate answers, no
 * processing, no back-pressure, no audit. Each frame's MSH-10 (control id) is read, its text goes
 * into one SQLite table with one unique index (channel, MSH-10, content hash: what a resend check
 * needs), and the frames that arrived meanwhile, on any connection, share one commit; the COMMIT is
 * made with synchronous=NORMAL and the WAL is then fdatasync'd in libuv's thread pool, at most two
 * at a time, resolving in order (as src/store/sqlite/wal-sync.ts does); only then do their `MSA|CA`
 * answers leave. A passive checkpoint every 200 ms keeps the WAL short.
 *
 * Run in a process of its own, driven by the same client and messages as the gateway and the
 * @medplum/hl7 peer (bench/items-runtime.ts): it says how far the disk's fsync latency and Node's
 * sockets let lock-step senders go, which is what the enhanced-mode target is read against.
 * Prints `PORT <n>`; SIGTERM stops it.
 *   node --import tsx bench/mllp-floor.ts
 */
import { createHash } from 'node:crypto';
import { fdatasync, mkdtempSync, openSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { encodeFrame, FrameDecoder } from '../src/mllp/framing.js';

const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-floor-'));
const db = new Database(path.join(dir, 'floor.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('wal_autocheckpoint = 0');
db.exec(`CREATE TABLE inbound (id INTEGER PRIMARY KEY, channel TEXT NOT NULL, control_id TEXT NOT NULL,
  content_hash TEXT NOT NULL, raw TEXT NOT NULL, received_at INTEGER NOT NULL);
  CREATE UNIQUE INDEX inbound_resend ON inbound (channel, control_id, content_hash);`);
const insert = db.prepare('INSERT INTO inbound (channel, control_id, content_hash, raw, received_at) VALUES (?, ?, ?, ?, ?)');
const storeBatch = db.transaction((batch: Frame[]) => {
  const now = Date.now();
  for (const f of batch) insert.run('floor', f.controlId, createHash('sha1').update(f.text).digest('hex'), f.text, now);
});
const checkpoints = setInterval(() => db.pragma('wal_checkpoint(PASSIVE)'), 200);

interface Frame { socket: net.Socket; text: string; controlId: string; ack: Buffer }

/** MSH fields by HL7 number (MSH-1 is the separator itself, so MSH-n is index n - 1 of the split). */
function commitAck(text: string): { controlId: string; ack: Buffer } {
  const end = text.search(/[\r\n]/);
  const msh = (end < 0 ? text : text.slice(0, end)).split('|');
  const controlId = msh[9] ?? '';
  const event = (msh[8] ?? '').split('^')[1] ?? '';
  // The answer swaps MSH-3/4 and MSH-5/6, and echoes MSH-10 in MSA-2 (HL7 v2.5 2.14.1).
  const ack = `MSH|^~\\&|${msh[4] ?? ''}|${msh[5] ?? ''}|${msh[2] ?? ''}|${msh[3] ?? ''}|${msh[6] ?? ''}||ACK^${event}^ACK|F${controlId}|P|${msh[11] ?? ''}\rMSA|CA|${controlId}\r`;
  return { controlId, ack: encodeFrame(ack) };
}

let queued: Frame[] = [];
let flushQueued = false;
let walFd: number | undefined;
let inFlight = 0;
/** The previous fsync's answers: a later fsync's answers leave only after them (in order). */
let answered: Promise<void> = Promise.resolve();

function flush(): void {
  flushQueued = false;
  if (queued.length === 0 || inFlight >= 2) return;
  const batch = queued;
  queued = [];
  storeBatch(batch);
  walFd ??= openSync(path.join(dir, 'floor.db-wal'), 'r+');
  inFlight++;
  const synced = new Promise<void>((resolve, reject) => fdatasync(walFd!, (e) => (e ? reject(e) : resolve())));
  const before = answered;
  answered = Promise.all([before, synced]).then(() => {
    for (const f of batch) f.socket.write(f.ack);
  }, (e: Error) => {
    // No ACK for what may not be on disk: the senders resend.
    for (const f of batch) f.socket.destroy(e);
  }).finally(() => {
    inFlight--;
    if (queued.length) flush();
  });
}

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  const decoder = new FrameDecoder();
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => {
    for (const text of decoder.push(chunk).frames) queued.push({ socket, text, ...commitAck(text) });
    if (!flushQueued) { flushQueued = true; queueMicrotask(flush); }
  });
});
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`PORT ${typeof a === 'object' && a ? a.port : 0}\n`);
});
process.on('SIGTERM', () => {
  clearInterval(checkpoints);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
