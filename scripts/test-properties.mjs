#!/usr/bin/env node
// Runs the property suites (every test file that imports fast-check) once.
//   node scripts/test-properties.mjs           -> with FRONTDESK_TEST_SEED, or the pinned seed
//   node scripts/test-properties.mjs --random  -> with a fresh random seed, printed before and after,
//                                                 so a failure can be reproduced with
//                                                 FRONTDESK_TEST_SEED=<seed> npm run test:properties
// The seed reaches fast-check through test/support/property-seed.ts (mocha "require").
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const files = readdirSync(path.join(root, 'test'), { recursive: true }).map(String)
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => /from 'fast-check'/.test(readFileSync(path.join(root, 'test', f), 'utf8')))
  .map((f) => path.join('test', f)).sort();

const env = { ...process.env };
if (process.argv.includes('--random')) env.FRONTDESK_TEST_SEED = String(Math.floor(Math.random() * 0x7fffffff));
const seed = env.FRONTDESK_TEST_SEED ?? '(pinned default)';
console.log(`property suites: ${files.length} files, seed ${seed}`);

const mocha = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
const r = spawnSync(process.execPath, [mocha, ...files], { cwd: root, env, stdio: 'inherit' });
const code = r.status ?? 1;
console.log(code === 0
  ? `property suites passed at seed ${seed}`
  : `property suites FAILED at seed ${seed}; reproduce with FRONTDESK_TEST_SEED=${seed} npm run test:properties`);
process.exit(code);
