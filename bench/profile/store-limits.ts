/**
 * The SQLite store's paged statements (outbox claim and list, pending and orphaned message ids, the
 * message and audit lists, replay ids), CPU per call, this checkout (A) against another (B: e.g.
 * the commit before a change, `git worktree add --detach /tmp/old <commit>`, node_modules linked),
 * in one process, rounds alternating, each on a store file of its own built alike (not part of
 * `npm run bench`): 20,000 messages (1,000 received), 10,000 outbox rows (1,000 pending), 5,000
 * audit rows.
 *   LIMITS_B_DIR=/tmp/old node --import tsx bench/profile/store-limits.ts [dir=/dev/shm] [rounds=9] [calls=400]
 * Prints, per statement, the median CPU per call of each and the ratio B/A.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const base = process.argv[2] ?? '/dev/shm';
const rounds = Number(process.argv[3] ?? 9);
const calls = Number(process.argv[4] ?? 400);
const T0 = Date.parse('2026-12-01T00:00:00Z');

async function variant(root: string, file: string) {
  const at = (p: string) => pathToFileURL(path.join(root, p)).href;
  const { openDatabase } = await import(at('src/store/sqlite/db.ts')) as typeof import('../../src/store/sqlite/db.js');
  const messages = await import(at('src/store/sqlite/messages.ts')) as typeof import('../../src/store/sqlite/messages.js');
  const outbox = await import(at('src/store/sqlite/outbox.ts')) as typeof import('../../src/store/sqlite/outbox.js');
  const audit = await import(at('src/store/sqlite/audit.ts')) as typeof import('../../src/store/sqlite/audit.js');
  const db = openDatabase(file);
  const raw = readFileSync('examples/hl7v2/adt-a04.hl7', 'utf8').replace(/\r?\n/g, '\r');
  db.transaction(() => {
    for (let i = 0; i < 20_000; i++) {
      const now = new Date(T0 + i * 1000);
      const id = messages.insertMessage(db, {
        channel: i % 3 ? 'registration' : 'labs', source: 'mllp', contentType: 'hl7v2', raw, contentHash: `h${i}`, controlId: `C${i}`,
        messageType: i % 5 ? 'ADT^A04' : 'ORU^R01', hl7Version: '2.5.1', patientMrn: `M${i % 4000}`, patientName: `SMITH^J${i % 97}`, ackMode: 'original',
      }, now);
      if (i < 19_000) messages.recordFailure(db, id, 'bench', 'processed', now);
      if (i % 2 === 0) {
        outbox.enqueue(db, { destination: i % 4 ? 'ehr' : 'lab', kind: 'hl7v2', payload: raw, contentType: 'x-application/hl7-v2+er7', idempotencyKey: `k${i}`, orderingKey: `M${i % 4000}`, messageId: id }, now);
        if (i < 18_000) outbox.markDelivered(db, outbox.getOutboxItemByKey(db, `k${i}`)!.id, { partnerStatus: 'AA' }, now);
      }
      if (i % 4 === 0) {
        audit.recordAudit(db, { at: now.toISOString(), actor: 'ehr', actorKind: 'api-key', clientAddress: '127.0.0.1', action: 'search', entity: `Patient/${i}`, query: null, method: 'GET', path: '/fhir/Patient', status: 200, outcome: 'success', detail: null });
      }
    }
  })();
  let tick = T0 + 30 * 86_400_000;
  // The drain's claim, leases of 1 ms and a clock that moves on: the same rows are due again at every call.
  const ops: Record<string, () => unknown> = {
    'outbox claimDue 20': () => outbox.claimDue(db, { now: new Date(tick += 1000), leaseMs: 1, limit: 20 }),
    'pendingIds 10000': () => messages.pendingIds(db),
    'orphanedIds 200': () => messages.orphanedIds(db, new Date(tick), 200),
    'listMessages 100': () => messages.listMessages(db, { limit: 100 }),
    'listMessages state 50': () => messages.listMessages(db, { state: 'received', limit: 50, offset: 50 }),
    'matchingIds 50': () => messages.matchingIds(db, { state: 'received' }, 50),
    'listAudit 100': () => audit.listAudit(db, { limit: 100 }),
    'listOutbox 100': () => outbox.listOutbox(db, { state: 'pending', limit: 100 }),
  };
  return { ops, close: () => db.close() };
}

const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const dir = mkdtempSync(path.join(base, 'frontdesk-limits-'));
try {
  const bDir = process.env.LIMITS_B_DIR;
  const a = await variant(process.cwd(), path.join(dir, 'a.db'));
  const b = bDir ? await variant(bDir, path.join(dir, 'b.db')) : undefined;
  for (const name of Object.keys(a.ops)) {
    const runs: Record<'A' | 'B', number[]> = { A: [], B: [] };
    for (let r = 0; r < rounds; r++) {
      for (const [k, v] of [['A', a], ['B', b]] as const) {
        if (!v) continue;
        const op = v.ops[name]!;
        for (let i = 0; i < 20; i++) op();
        const c0 = cpu();
        for (let i = 0; i < calls; i++) op();
        runs[k].push((cpu() - c0) / calls);
      }
    }
    const ma = median(runs.A);
    console.log(`${name.padEnd(24)} A ${ma.toFixed(1)} us` + (b ? `  B ${median(runs.B).toFixed(1)} us  B/A ${(median(runs.B) / ma).toFixed(2)}` : ''));
  }
  a.close(); b?.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
