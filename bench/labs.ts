/**
 * Labs benchmark: ORU^R01 -> FHIR Bundle + results inbox (parse, map, validate) for the two large
 * cases of issue 5: one order with 500 OBX, and a report with an embedded 5 MB base64 PDF (ED).
 * Each case runs in its own child process so its peak RSS is its own; a baseline child (modules
 * loaded, profiles compiled, nothing converted) shows what the conversion itself adds.
 *
 *   node --import tsx bench/labs.ts            # table + one JSON line per case (BENCH_LABS ...)
 *   BENCH_QUICK=1 node --import tsx bench/labs.ts
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const CASES = ['baseline', 'oru-500-obx', 'oru-pdf-5mb'] as const;
type Case = (typeof CASES)[number];

export interface LabsBenchResult {
  id: Case;
  /** Message size in bytes. */
  bytes: number;
  runs: number;
  /** Median and best wall time of one conversion (ms), after one warm-up conversion. */
  medianMs: number;
  bestMs: number;
  /** Peak resident set size of the child process (MB). */
  peakRssMB: number;
  /** Bundle entries and issues of the last run (a sanity check that it converted). */
  entries: number;
  errors: number;
}

async function child(id: Case): Promise<void> {
  const { oruWithManyResults, oruWithPdf } = await import('../examples/hl7v2/labs/generate.js');
  const { parseHl7 } = await import('../src/hl7/message.js');
  const { convertOru } = await import('../src/flows/labs/index.js');
  const { emptyLookup } = await import('../src/flows/types.js');
  const { validateResource } = await import('../src/validation/index.js');
  validateResource({ resourceType: 'Observation', status: 'final', code: { text: 'warm-up' } }); // compile profiles
  const text = id === 'oru-500-obx' ? oruWithManyResults(500) : id === 'oru-pdf-5mb' ? oruWithPdf(5 * 1024 * 1024) : '';
  const runs = id === 'baseline' ? 0 : process.env.BENCH_QUICK ? 2 : 7;
  const times: number[] = [];
  let entries = 0, errors = 0;
  for (let i = 0; i <= runs && id !== 'baseline'; i++) {
    const t0 = process.hrtime.bigint();
    const msg = parseHl7(text).value!;
    const out = convertOru(msg, { timezone: 'America/New_York', lookup: emptyLookup });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i > 0) times.push(ms); // the first run warms the JIT and caches
    entries = out.value?.bundle.entry?.length ?? 0;
    errors = out.issues.filter((x) => x.severity === 'error').length;
  }
  times.sort((a, b) => a - b);
  const result: LabsBenchResult = {
    id, bytes: Buffer.byteLength(text), runs,
    medianMs: times.length ? +times[Math.floor(times.length / 2)]!.toFixed(1) : 0,
    bestMs: times.length ? +times[0]!.toFixed(1) : 0,
    peakRssMB: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
    entries, errors,
  };
  process.stdout.write(`\nBENCH_LABS ${JSON.stringify(result)}\n`);
}

function runChild(id: Case): LabsBenchResult | { id: Case; error: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'labs.ts'), '--child', id], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: 300_000 });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('BENCH_LABS '));
  if (!line) return { id, error: (r.error?.message ?? r.stderr ?? `exit ${r.status}`).trim().split('\n').slice(-3).join(' | ') };
  return JSON.parse(line.slice('BENCH_LABS '.length)) as LabsBenchResult;
}

/** Run every case (each in its own child); for `npm run bench` to fold in. */
export function runLabsBench(): Array<LabsBenchResult | { id: Case; error: string }> {
  return CASES.map(runChild);
}

const childIdx = process.argv.indexOf('--child');
if (childIdx >= 0) {
  await child(process.argv[childIdx + 1] as Case);
} else if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const rows = runLabsBench();
  console.log(`${'case'.padEnd(14)} ${'message'.padStart(10)} ${'median ms'.padStart(10)} ${'best ms'.padStart(9)} ${'peak RSS MB'.padStart(12)} ${'entries'.padStart(8)} ${'errors'.padStart(7)}`);
  for (const r of rows) {
    if ('error' in r) { console.log(`${r.id.padEnd(14)} FAILED: ${r.error}`); continue; }
    console.log(`${r.id.padEnd(14)} ${`${(r.bytes / 1024).toFixed(0)} KB`.padStart(10)} ${String(r.medianMs).padStart(10)} ${String(r.bestMs).padStart(9)} ${String(r.peakRssMB).padStart(12)} ${String(r.entries).padStart(8)} ${String(r.errors).padStart(7)}`);
  }
  for (const r of rows) console.log(`BENCH_LABS ${JSON.stringify(r)}`);
}
