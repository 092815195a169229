#!/usr/bin/env node
// The compiled build: src/ -> dist/ with tsc (tsconfig.build.json). dist/ mirrors src/ one level
// below the project root, so src/paths.ts resolves mappings/, profiles/ and examples/ from dist
// exactly as from src (no asset is copied).
//
//   node scripts/build.mjs          a clean build (npm run build)
//   node scripts/build.mjs --if-stale   build only when stale (before `npm test`)
//   import { ensureBuilt }          what `npm start`, `npx frontdesk` and bin/frontdesk.js call
//                                   first: when dist/ is missing or older than a file under src/
//                                   or a tsconfig, transpiles the changed files (no type check:
//                                   `npm run typecheck` does that, as tsx did before).
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(ROOT, 'dist');
/** Written after a successful build; its mtime is the build's. */
const STAMP = path.join(DIST, '.built');
const LOCK = path.join(ROOT, '.build.lock');

/**
 * Newest mtime (ms) of the inputs of the build. Every launch checks it (bin/frontdesk.js, npm
 * start), so the walk is by hand: readdirSync's `recursive` option costs three times as much CPU
 * on Node 20 (about 30 ms for src/), a noticeable part of a one-file `frontdesk validate`.
 */
function newestInput() {
  let newest = 0;
  for (const f of ['tsconfig.json', 'tsconfig.build.json']) newest = Math.max(newest, mtime(path.join(ROOT, f)));
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const file = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(file);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, mtime(file));
    }
  };
  walk(path.join(ROOT, 'src'));
  return newest;
}

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** Why dist/ must be (re)built, or undefined when it is current. */
export function staleReason() {
  if (!existsSync(path.join(ROOT, 'src'))) return undefined; // an installed package without sources: run dist as shipped
  const built = mtime(STAMP);
  if (!built) return 'dist/ is missing';
  if (newestInput() > built) return 'src/ changed since the last build';
  return undefined;
}

function tscPath() {
  try {
    return createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    return undefined;
  }
}

/** Runs tsc (type-checked emit of all of src/); returns true on success. Output goes to stderr. */
function compile() {
  const tsc = tscPath();
  if (!tsc) {
    process.stderr.write('frontdesk: cannot build dist/: typescript is not installed (npm ci installs it)\n');
    return false;
  }
  const started = Date.now();
  rmSync(DIST, { recursive: true, force: true });
  // Loaded here, not at the top: every launch imports this file for ensureBuilt(), which never spawns.
  const { spawnSync } = createRequire(import.meta.url)('node:child_process');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) return false;
  stamp(started);
  return true;
}

/**
 * The launchers' rebuild: transpiles only the files changed since the last build, one file at a
 * time (ts.transpileModule, the code is isolatedModules-clean), in well under a second instead of
 * a whole type-checked tsc run (which `npm run build` and `npm run typecheck` still do). Compiled
 * files whose source is gone are removed.
 */
function transpileChanged() {
  const require = createRequire(import.meta.url);
  let ts;
  try {
    ts = require('typescript');
  } catch {
    process.stderr.write('frontdesk: cannot build dist/: typescript is not installed (npm ci installs it)\n');
    return false;
  }
  const started = Date.now();
  const configFile = path.join(ROOT, 'tsconfig.build.json');
  const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(configFile, ts.sys.readFile).config, ts.sys, ROOT, undefined, configFile);
  // The package is "type": "module", so every file is ESM; transpileModule cannot see package.json
  // to learn that from NodeNext, hence ES2022 modules explicitly (the same output tsc gives here).
  const options = { ...parsed.options, module: ts.ModuleKind.ES2022, moduleResolution: ts.ModuleResolutionKind.Bundler, noEmit: false, incremental: false, declaration: false };
  const since = mtime(STAMP);
  const src = path.join(ROOT, 'src');
  const sources = new Set();
  for (const rel of readdirSync(src, { recursive: true }).map(String)) {
    if (!rel.endsWith('.ts') || rel.endsWith('.d.ts')) continue;
    const out = rel.replace(/\.ts$/, '.js');
    sources.add(out);
    const file = path.join(src, rel);
    if (mtime(file) <= since && existsSync(path.join(DIST, out))) continue;
    const r = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: options, fileName: file, reportDiagnostics: true });
    if (r.diagnostics?.length) {
      process.stderr.write(ts.formatDiagnostics(r.diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' }));
      return false;
    }
    mkdirSync(path.dirname(path.join(DIST, out)), { recursive: true });
    writeFileSync(path.join(DIST, out), r.outputText);
    if (r.sourceMapText) writeFileSync(path.join(DIST, `${out}.map`), r.sourceMapText);
  }
  for (const rel of readdirSync(DIST, { recursive: true }).map(String)) {
    const js = rel.endsWith('.js.map') ? rel.slice(0, -4) : rel;
    if (js.endsWith('.js') && !sources.has(js)) rmSync(path.join(DIST, rel), { force: true });
  }
  stamp(started);
  return true;
}

/** Marks dist/ as built from the sources as they were at `started` (an edit during the build makes it stale). */
function stamp(started) {
  mkdirSync(DIST, { recursive: true });
  writeFileSync(STAMP, `${new Date(started).toISOString()}\n`);
  utimesSync(STAMP, new Date(started), new Date(started));
}

/**
 * One build at a time: several processes started together (tests spawn the CLI) wait for the
 * first one's build instead of compiling over each other. A lock older than 5 minutes is stale.
 */
function withLock(fn) {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      if (Date.now() - mtime(LOCK) > 5 * 60_000) rmSync(LOCK, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`${LOCK} held for too long`);
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Build dist/ when it is missing or stale; exits the process (code 2) when the build fails. */
export function ensureBuilt() {
  if (!staleReason()) return;
  const ok = withLock(() => {
    const reason = staleReason(); // another process may have built it while we waited
    if (!reason) return true;
    process.stderr.write(`frontdesk: compiling TypeScript to dist/ (${reason})...\n`);
    return transpileChanged();
  });
  if (!ok) {
    process.stderr.write('frontdesk: the build failed (errors above); fix them or run `npm run typecheck`\n');
    process.exit(2);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--if-stale')) {
    ensureBuilt();
    process.exit(0);
  }
  const ok = withLock(() => compile());
  if (!ok) process.exit(2);
  process.stderr.write('frontdesk: built dist/\n');
}
