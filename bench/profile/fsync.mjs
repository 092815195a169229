/**
 * The disk's sync latency (not part of `npm run bench`): a 4 KB write, then fsync or fdatasync, N
 * times, in the temp directory (where the bench's stores are). `append` grows the file (a WAL that
 * never starts again); `overwrite` rewrites the same 1 MB (a WAL written from its start again).
 * `rate` paces the writes (0: back to back). Prints p50/p90/p99/p99.9/max in ms.
 *   node bench/profile/fsync.mjs [n=1000] [fsync|fdatasync] [append|overwrite] [rate=0]
 */
import { closeSync, fdatasyncSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const n = Number(process.argv[2] ?? 1000);
const sync = process.argv[3] === 'fdatasync' ? fdatasyncSync : fsyncSync;
const where = process.argv[4] ?? 'append';
const rate = Number(process.argv[5] ?? 0);
const file = path.join(tmpdir(), `fsync-probe-${process.pid}`);
const fd = openSync(file, 'w');
const buf = Buffer.alloc(4096, 7);
if (where === 'overwrite') {
  for (let i = 0; i < 256; i++) writeSync(fd, buf, 0, 4096, i * 4096);
  fsyncSync(fd);
}
const lat = [];
try {
  for (let i = 0; i < n; i++) {
    if (rate) await new Promise((r) => setTimeout(r, 1000 / rate));
    writeSync(fd, buf, 0, 4096, (where === 'overwrite' ? i % 256 : i) * 4096);
    const t = process.hrtime.bigint();
    sync(fd);
    lat.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
} finally {
  closeSync(fd);
  unlinkSync(file);
}
lat.sort((a, b) => a - b);
const p = (q) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))].toFixed(2);
console.log(`${process.argv[3] === 'fdatasync' ? 'fdatasync' : 'fsync'} ${where} rate=${rate || 'max'} n=${n}: p50 ${p(0.5)} p90 ${p(0.9)} p99 ${p(0.99)} p99.9 ${p(0.999)} max ${lat[lat.length - 1].toFixed(2)} ms`);
