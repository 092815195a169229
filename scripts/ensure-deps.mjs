// Runs before `npm start` and `npm test` (npm's pre-scripts): on a fresh clone, installs the
// dependencies from the lockfile so each README command does its own set-up.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';

const needed = ['tsx', 'better-sqlite3/build/Release/better_sqlite3.node', 'mocha', 'express'];
const missing = needed.filter((p) => !existsSync(new URL(`../node_modules/${p}`, import.meta.url)));
if (missing.length) {
  process.stderr.write(`frontdesk: installing dependencies (npm ci; missing: ${missing.join(', ')})...\n`);
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit', cwd: new URL('..', import.meta.url) });
}
