/**
 * Original mode, which pages a message's commits write (not part of `npm run bench`; counts, not
 * time): the in-process gateway (./gateway.ts), one connection sending the ADT^A04 example in
 * original mode. After a warm-up (the tables and indexes grown past their first pages), the WAL
 * checkpointer is stopped and the WAL emptied (TRUNCATE); then N messages, and the WAL's frames are
 * read back: per commit, the page numbers written, each named by the b-tree it belongs to (SQLite's
 * dbstat). Prints pages per message by b-tree (table or index), commits and frames per message.
 *   [OP_PATIENTS=1] node --import tsx bench/profile/orig-pages.ts [messages=60] [warmup=3000]
 */
import { closeSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import type { Db } from '../../src/store/sqlite/db.js';
import { startProfileGateway } from './gateway.js';
import { connectMllp } from './mllp-client.js';

const messages = Number(process.argv[2] ?? 60);
const warmup = Number(process.argv[3] ?? 3000);
const { gw, dir, dbPath, port } = await startProfileGateway('frontdesk-opages-', 'Pages practice', 'pages.db');
const store = gw.store as unknown as { db: Db; checkpointer?: { afterCommit(): unknown } };
const template = readFileSync('examples/hl7v2/adt-a04.hl7', 'utf8').replace(/\r?\n/g, '\r').replace('|AL|NE|', '|||');
const controlId = template.split('\r')[0]!.split('|')[9]!;
let seq = 0;
// As the bench's original-mode rows send: the same patient, the control id varies (OP_PATIENTS=1:
// a patient and a visit of its own per message, so the resources are written too).
const patients = process.env.OP_PATIENTS === '1';
const next = () => {
  const m = template.replace(`|${controlId}|`, `|PG${++seq}|`);
  return patients ? m.replace('|MRN00012345^', `|MRN${seq}^`).replace('|V000123^', `|V${seq}^`) : m;
};
const c = await connectMllp(port);
for (let i = 0; i < warmup; i++) await c.send(next());
// Let the ACK marks' batch commit and any checkpoint finish, then stop the checkpointer and empty the WAL.
await new Promise((r) => setTimeout(r, 300));
if (store.checkpointer) store.checkpointer.afterCommit = () => undefined;
await new Promise((r) => setTimeout(r, 300));
const t = store.db.pragma('wal_checkpoint(TRUNCATE)', { simple: false }) as Array<{ busy: number }>;
if (t[0]?.busy) throw new Error('WAL checkpoint busy');
for (let i = 0; i < messages; i++) {
  const ack = await c.send(next());
  if (!/MSA\|AA/.test(ack)) throw new Error(`not AA: ${ack.slice(0, 200)}`);
}
await new Promise((r) => setTimeout(r, 300));
c.close();

// The WAL: a 32-byte header, then frames of a 24-byte header (page number, commit size: nonzero on
// a commit's last frame) and the page.
const walPath = `${dbPath}-wal`;
const size = statSync(walPath).size;
const fd = openSync(walPath, 'r');
const head = Buffer.alloc(32);
readSync(fd, head, 0, 32, 0);
const pageSize = head.readUInt32BE(8);
const salt = [head.readUInt32BE(16), head.readUInt32BE(20)];
const frames: Array<{ page: number; commit: boolean }> = [];
const fh = Buffer.alloc(24);
for (let off = 32; off + 24 + pageSize <= size; off += 24 + pageSize) {
  readSync(fd, fh, 0, 24, off);
  if (fh.readUInt32BE(8) !== salt[0] || fh.readUInt32BE(12) !== salt[1]) break;
  frames.push({ page: fh.readUInt32BE(0), commit: fh.readUInt32BE(4) !== 0 });
}
closeSync(fd);
const names = new Map<number, string>();
for (const r of store.db.prepare('SELECT name, pageno, pagetype FROM dbstat').all() as Array<{ name: string; pageno: number; pagetype: string }>) {
  names.set(r.pageno, r.pagetype === 'overflow' ? `${r.name} (overflow)` : r.name);
}
const byName = new Map<string, number>();
let commits = 0;
for (const f of frames) {
  const n = names.get(f.page) ?? (f.page === 1 ? 'page 1 (header)' : 'free or new');
  byName.set(n, (byName.get(n) ?? 0) + 1);
  if (f.commit) commits++;
}
const per = (n: number) => (n / messages).toFixed(2);
console.log(`${messages} messages after ${warmup}: ${frames.length} frames (${per(frames.length)} a message, ${(frames.length * (pageSize + 24) / messages / 1024).toFixed(1)} KB), ${commits} commits (${per(commits)} a message), page ${pageSize} B`);
for (const [n, k] of [...byName].sort((a, b) => b[1] - a[1])) console.log(`${per(k).padStart(7)}  ${n}`);
await gw.close();
rmSync(dir, { recursive: true, force: true });
