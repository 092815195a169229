/**
 * Processing of a message about a known patient, as the gateway's pipeline does it (not part of
 * `npm run bench`): inside a SQLite transaction, `withStoredLookup` around `processHl7`, with the
 * resources of the same message already stored (its Patient, visit, payer...). Rounds alternate,
 * in one process, between the transaction's reader as it is (answering at once: one run) and the
 * same reader without its `sync` (rounds of fetches: a second run when something is stored),
 * and print messages per CPU-second of each and how many flow runs each took per message.
 *   node --import tsx bench/profile/known-patient.ts [adt|siu|oru] [rounds=20]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Resource } from 'fhir/r4.js';
import { processHl7 } from '../../src/flows/hl7v2/process.js';
import { storeReader, withStoredLookup, type ReadResource } from '../../src/flows/stored-lookup.js';
import { emptyLookup } from '../../src/flows/types.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import type { ChannelConfig } from '../../src/config.js';

const FILES: Record<string, string> = { adt: 'adt-a04.hl7', siu: 'siu-s12.hl7', oru: 'oru-r01.hl7' };
const which = process.argv[2] ?? 'adt';
const rounds = Number(process.argv[3] ?? 20);
const raw = readFileSync(path.resolve('examples/hl7v2', FILES[which]!), 'utf8');
const channel: ChannelConfig = { name: 'prof', source: {}, destinations: [], validation: 'tolerant' };
const ctx = { timezone: 'America/Chicago' };
const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-known-'));
const store = openSqliteStore(path.join(dir, 'known.db'));
try {
  // The message's own output stored first: every resource it reads is then known.
  const first = processHl7(raw, channel, { ...ctx, lookup: emptyLookup });
  if (!first.output) throw new Error(`the example does not convert: ${JSON.stringify(first.issues.slice(0, 2))}`);
  await store.transaction(async (tx) => {
    for (const e of first.output!.bundle.entry ?? []) if (e.resource) await tx.resources.upsert(e.resource as Resource, null);
  });
  let runs = 0;
  const once = (oneRun: boolean) => store.transaction(async (tx) => {
    const reader = storeReader(tx.resources);
    const read: ReadResource = oneRun ? reader : async (type, id) => reader(type, id);
    const p = await withStoredLookup(read, (lookup) => { runs++; return processHl7(raw, channel, { ...ctx, lookup }); });
    if (p.state !== 'processed') throw new Error(`state ${p.state}`);
  });
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const round = async (oneRun: boolean) => {
    const c0 = cpu();
    const r0 = runs;
    let n = 0;
    while (cpu() - c0 < 150) { await once(oneRun); n++; }
    return { rate: (n * 1000) / (cpu() - c0), runs: (runs - r0) / n };
  };
  for (let i = 0; i < 20; i++) { await round(true); await round(false); } // V8 settles (see docs/profiling.md)
  const res = { one: [] as number[], rounds: [] as number[] };
  const perMsg = { one: 0, rounds: 0 };
  for (let i = 0; i < rounds; i++) {
    for (const oneRun of i % 2 ? [true, false] : [false, true]) {
      const r = await round(oneRun);
      res[oneRun ? 'one' : 'rounds'].push(r.rate);
      perMsg[oneRun ? 'one' : 'rounds'] = r.runs;
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  console.log(`${which}: reader answering at once ${Math.round(med(res.one))} msg/s per CPU-s (${perMsg.one} flow run per message); rounds of fetches ${Math.round(med(res.rounds))} (${perMsg.rounds} runs): ${(med(res.one) / med(res.rounds)).toFixed(2)}x`);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
