/** `frontdesk serve [--config <file>] [--db <file>]`: run the gateway until SIGINT/SIGTERM. */
import type { Command } from 'commander';
import { serveUntilSignal } from '../main.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the gateway (MLLP listeners, HTTP/FHIR API) on the embedded SQLite store')
    .option('--config <file>', 'configuration file (default: $FRONTDESK_CONFIG or examples/config/gateway.json)')
    .option('--db <file>', 'SQLite store file (default: $FRONTDESK_DB or store.path, ./data/frontdesk.db)')
    .action(async (opts: { config?: string; db?: string }) => {
      await serveUntilSignal({ config: opts.config, db: opts.db });
      // Keep running: the listeners hold the event loop open until a signal stops them.
    });
}
