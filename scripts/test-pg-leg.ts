/**
 * The PostgreSQL leg of `npm test`: the store, runtime, delivery and jobs tests (and the console's
 * sessions kept in the store) again, on a
 * throwaway PostgreSQL cluster this script starts (initdb into a temp dir, pg_ctl on a free port)
 * and stops. Without PostgreSQL binaries it prints one line and exits 0 (a developer's machine);
 * with FRONTDESK_REQUIRE_PG=1 (CI) a missing PostgreSQL fails instead of skipping.
 * Extra arguments replace the default test folders (`npm run test:pg -- test/store`).
 */
import { spawnSync } from 'node:child_process';
import { findPgBin, startPgCluster } from '../test/support/pg-cluster.js';

const DEFAULT_SPECS = ['test/store/**/*.test.ts', 'test/runtime/**/*.test.ts', 'test/delivery/**/*.test.ts', 'test/jobs/**/*.test.ts', 'test/scale-out/**/*.test.ts', 'test/console/sessions.test.ts'];
const specs = process.argv.slice(2).length ? process.argv.slice(2) : DEFAULT_SPECS;

if (!findPgBin()) {
  if (process.env.FRONTDESK_REQUIRE_PG === '1') {
    process.stderr.write('PostgreSQL leg: FAILED: PostgreSQL binaries (pg_ctl, initdb) not found and FRONTDESK_REQUIRE_PG=1\n');
    process.exit(1);
  }
  process.stdout.write('PostgreSQL leg: SKIPPED (no pg_ctl/initdb found; apt-get install postgresql to run the store, runtime, delivery and jobs tests on PostgreSQL too)\n');
  process.exit(0);
}

const cluster = await startPgCluster();
process.stdout.write(`PostgreSQL leg: throwaway cluster on port ${cluster.port} (${cluster.bin})\n`);
let status = 1;
try {
  const r = spawnSync('npx', ['mocha', ...specs], { stdio: 'inherit', env: { ...process.env, FRONTDESK_TEST_PG_URL: cluster.url } });
  status = r.status ?? 1;
} finally {
  cluster.destroy();
}
process.exit(status);
