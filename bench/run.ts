/**
 * npm run bench: Frontdesk beside its peers, one table, plus bench/results/latest.json (a whole run;
 * a run with --only or BENCH_QUICK=1 writes bench/results/partial.json, which git ignores).
 *
 * Every item runs in its own child process (`--child <spec>`), so each gets a clean heap and
 * its own peak RSS, and one peer's JIT state or garbage does not slow the next. Options:
 *   --only <substring>   run only items whose id contains it (e.g. --only hl7:adt)
 *   --docs               also rewrite the table in docs/bench.md and README.md
 *   BENCH_QUICK=1        short samples (smoke test of the harness, figures not meaningful)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt } from './harness.js';
import { ITEMS, type ItemResult } from './items.js';
import { buildRows, targetLines, type Row } from './rows.js';
import { NotMeasured } from './items-runtime.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function child(id: string): Promise<void> {
  const item = ITEMS.find((x) => x.id === id);
  if (!item) throw new Error(`unknown item ${id}`);
  let value: unknown;
  let error: string | undefined;
  try {
    value = await item.run();
  } catch (e) {
    // Code that has not landed (or a failure) is reported as such, never as a figure.
    error = e instanceof NotMeasured ? `not measured (${e.message})` : `failed (${(e as Error).message.split('\n')[0]})`;
  }
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`\nBENCH_RESULT ${JSON.stringify({ id, value, maxRssMB, error })}\n`);
  process.exit(0);
}

function runChild(id: string, timeoutMs: number): ItemResult {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(here, 'run.ts'), '--child', id], {
    encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env },
  });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (!line) {
    const why = r.error ? r.error.message : (r.stderr || '').trim().split('\n').slice(-3).join(' | ');
    return { id, value: undefined, maxRssMB: undefined, error: `failed (${why.slice(0, 300) || `exit ${r.status}`})`, seconds: (Date.now() - t0) / 1000 };
  }
  const parsed = JSON.parse(line.slice('BENCH_RESULT '.length)) as ItemResult;
  return { ...parsed, seconds: (Date.now() - t0) / 1000 };
}

function machine() {
  const cpus = os.cpus();
  return {
    nproc: os.availableParallelism?.() ?? cpus.length,
    cpu: cpus[0]?.model ?? 'unknown',
    memoryGB: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

function table(rows: Row[]): string {
  const out = ['| Item | Frontdesk | Peers (same run, same input) | Ratio |', '|---|---|---|---|'];
  let section = '';
  for (const r of rows) {
    if (r.section !== section) {
      section = r.section;
      out.push(`| **${section}** | | | |`);
    }
    const peers = r.peers.length ? r.peers.map((p) => `${p.name}: ${p.text}`).join(' · ') : '—';
    out.push(`| ${r.item} | ${r.frontdeskText} | ${peers} | ${r.ratioText} |`);
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const childId = argValue('--child');
  if (childId) return child(childId);
  const only = argValue('--only');
  const started = Date.now();
  const m = machine();
  console.log(`Frontdesk bench: ${m.nproc} cores, ${m.cpu}, node ${m.node}${process.env.BENCH_QUICK === '1' ? ' (QUICK: figures not meaningful)' : ''}`);
  const results: ItemResult[] = [];
  for (const item of ITEMS) {
    if (only && !item.id.includes(only)) continue;
    if (item.optIn && !process.argv.includes(item.optIn)) continue;
    const r = item.inProcess ? await runInProcess(item.id) : runChild(item.id, item.timeoutMs ?? 120_000);
    results.push(r);
    console.log(`  ${item.id.padEnd(34)} ${r.error ? r.error : `${fmt(r.seconds ?? 0)} s, peak RSS ${fmt(r.maxRssMB ?? 0)} MB`}`);
  }
  const rows = buildRows(results);
  const md = `${table(rows)}\n\nTargets (goals read against this run, not assertions):\n${targetLines(results, rows).join('\n')}`;
  console.log('\n' + md + '\n');
  const seconds = (Date.now() - started) / 1000;
  console.log(`total ${fmt(seconds)} s`);
  const dir = path.join(here, 'results');
  mkdirSync(dir, { recursive: true });
  const json = { date: new Date().toISOString(), machine: m, seconds, quick: process.env.BENCH_QUICK === '1', only, rows, items: results };
  // Only a whole, full-length run replaces the committed latest.*: a partial (--only) or quick run
  // goes to partial.* (ignored by git), so a developer's spot check never passes for the record.
  const base = only || process.env.BENCH_QUICK === '1' ? 'partial' : 'latest';
  writeFileSync(path.join(dir, `${base}.json`), JSON.stringify(json, null, 1) + '\n');
  writeFileSync(path.join(dir, `${base}.md`), `${machineLine(m)}\n\n${md}\n`);
  if (process.argv.includes('--docs')) {
    if (base === 'partial') console.log('--docs ignored: the docs show whole, full-length runs only');
    else writeDocs(md, m);
  }
}

async function runInProcess(id: string): Promise<ItemResult> {
  const item = ITEMS.find((x) => x.id === id)!;
  const t0 = Date.now();
  try {
    return { id, value: await item.run(), maxRssMB: undefined, seconds: (Date.now() - t0) / 1000 };
  } catch (e) {
    const error = e instanceof NotMeasured ? `not measured (${e.message})` : `failed (${(e as Error).message})`;
    return { id, value: undefined, maxRssMB: undefined, error, seconds: (Date.now() - t0) / 1000 };
  }
}

function machineLine(m: ReturnType<typeof machine>): string {
  return `Machine: ${m.nproc} cores (\`nproc\`), ${m.cpu}, ${m.memoryGB} GB RAM, Node ${m.node}, ${m.platform}; run ${new Date().toISOString().slice(0, 16)}Z.`;
}

/** Replace the table between the markers in docs/bench.md and in README.md (the README shows the latest run). */
function writeDocs(md: string, m: ReturnType<typeof machine>): void {
  const begin = '<!-- bench:begin -->';
  const end = '<!-- bench:end -->';
  const block = `${begin}\n${machineLine(m)}\n\n${md}\n${end}`;
  for (const name of ['../docs/bench.md', '../README.md']) {
    const file = path.resolve(here, name);
    let doc = existsSync(file) ? readFileSync(file, 'utf8') : `# Benchmarks\n\n${begin}\n${end}\n`;
    const a = doc.indexOf(begin);
    const b = doc.indexOf(end);
    doc = a >= 0 && b > a ? doc.slice(0, a) + block + doc.slice(b + end.length) : `${doc}\n${block}\n`;
    writeFileSync(file, doc);
    console.log(`wrote ${file}`);
  }
}

await main();
