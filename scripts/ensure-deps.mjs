// Runs before `npm start` and `npm test` (npm's pre-scripts): on a fresh clone, installs the
// dependencies from the lockfile so each README command does its own set-up. npm's own output is
// shown (each download at loglevel http, the SQLite driver's compile with --foreground-scripts), so
// a minute-long install is visibly making progress.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';

const needed = ['typescript', 'better-sqlite3/build/Release/better_sqlite3.node', 'mocha', 'express', 'pg'];
const missing = needed.filter((p) => !existsSync(new URL(`../node_modules/${p}`, import.meta.url)));
if (missing.length) {
  process.stderr.write(`frontdesk: installing dependencies with npm ci (missing: ${missing.join(', ')}); npm's output follows\n`);
  execSync('npm ci --no-audit --no-fund --foreground-scripts --loglevel=http', { stdio: 'inherit', cwd: new URL('..', import.meta.url) });
}
