/**
 * A gateway with the HTTP API only (no channels) for the FHIR bench items: the same configuration
 * check and start-up as `npm start`, its store and API keys (or JWT settings) given by the item.
 * Imported lazily so the bench's parent process does not load the gateway.
 */
import type { Gateway } from '../src/gateway.js';

export async function startHttpBenchGateway(store: Record<string, unknown>, auth: Record<string, unknown>): Promise<Gateway> {
  const { startGateway } = await import('../src/gateway.js');
  const { checkConfig } = await import('../src/config.js');
  const cfg = checkConfig({
    practice: { name: 'Bench practice', timezone: 'America/Chicago' },
    store,
    log: { level: 'silent' },
    http: { host: '127.0.0.1', port: 0, bodyLimitBytes: 1 << 20, auth },
    processing: { maxAttempts: 3 },
    channels: [],
  }, process.cwd(), {});
  if (!cfg.value) throw new Error(`bench config: ${JSON.stringify(cfg.issues).slice(0, 300)}`);
  return startGateway(cfg.value, {});
}
