/**
 * Where start-up time goes, in the compiled build: time from process start (performance.now()
 * counts from it) to the end of loading the composition root (src/gateway.ts: only what listening
 * needs), then startGateway() (store,
 * migrations, recovery, listeners, HTTP, then the pipeline and HTTP app loaded), printed as `STARTUP <load ms> <start ms>`.
 *   node bench/startup-probe.mjs <config.json>      (after npm run build)
 */
import { performance } from 'node:perf_hooks';

const { loadConfig } = await import('../dist/config.js');
const { startGateway } = await import('../dist/gateway.js');
const { silentLogger } = await import('../dist/logging.js');
const loaded = performance.now();
const cfg = loadConfig(process.argv[2], {});
if (!cfg.value) {
  process.stderr.write(`config rejected: ${cfg.issues.map((i) => i.diagnostics).join('; ')}\n`);
  process.exit(2);
}
const gw = await startGateway(cfg.value, { log: silentLogger });
const started = performance.now();
process.stdout.write(`STARTUP ${loaded.toFixed(1)} ${(started - loaded).toFixed(1)}\n`);
await gw.close();
process.exit(0);
