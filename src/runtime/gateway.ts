/**
 * Composition of the running gateway: store, pipeline, start-up recovery, one MLLP listener per
 * MLLP channel, the HTTP API. Recovery runs before anything listens, so messages committed before
 * the last stop are processed before new ones arrive. close() stops accepting, lets work in
 * progress finish, and closes the store.
 */
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config.js';
import { openStore, type Store } from '../store/index.js';
import { createLogger } from '../logging.js';
import { Pipeline, type PipelineHooks } from './pipeline.js';
import { Metrics } from './metrics.js';
import { recoverPending, startTakeover, type RecoveryReport } from './recovery.js';
import { listenerOptions, startMllpListener, type MllpListener } from '../mllp/listener.js';
import { pipelineHandler } from '../mllp/intake.js';
import { httpListenError, mllpListenError } from './listen-error.js';
import { createApp, type AppDeps, type DeliveryEdge } from '../http/app.js';
import { ROOT_DIR } from '../paths.js';
import { validateResource } from '../validation/index.js';
import { answerRenderers } from '../composition.js';

export interface Gateway {
  config: GatewayConfig;
  /** The store, behind its engine-neutral interface (src/store/types.ts). */
  store: Store;
  log: Logger;
  pipeline: Pipeline;
  metrics: Metrics;
  recovery: RecoveryReport;
  mllp: MllpListener[];
  http: { server: Server; address: AddressInfo; url: string };
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  hooks?: PipelineHooks;
  /** Do not open the HTTP server (tests of the MLLP side only). */
  noHttp?: boolean;
  /** The store, when the composition root opened it (the gateway closes it on close); else opened here from config.store.path. */
  store?: Store;
  /** The composition root's job context and worker wake-up, for the HTTP /jobs and /deliveries routes. */
  delivery?: DeliveryEdge;
  /** The web console's audit sink and session settings (tests pin its clock). */
  console?: AppDeps['console'];
}

export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(resolve(ROOT_DIR, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export async function startGateway(config: GatewayConfig, opts: StartOptions = {}): Promise<Gateway> {
  const log = opts.log ?? createLogger(config.log.level);
  const store = opts.store ?? openStore(config.store);
  const metrics = new Metrics();
  metrics.declare(config.channels.map((c) => c.name));
  const hooks: PipelineHooks = { ...opts.hooks };
  if (config.testHook === 'pause-after-commit') {
    // Test-only: stop between commit and processing so a test can SIGKILL the process right there.
    hooks.afterCommit = (id) => {
      process.stdout.write(`TEST-HOOK committed ${id}\n`);
      return new Promise<void>(() => {});
    };
  }
  const pipeline = new Pipeline(store, config, log, metrics, answerRenderers, hooks);
  const mllp: MllpListener[] = [];
  let server: Server | undefined;
  try {
    const recovery = await recoverPending(pipeline);
    for (const [i, ch] of config.channels.entries()) {
      if (!ch.source.mllp) continue;
      const options = listenerOptions(config);
      try {
        mllp.push(await startMllpListener(ch, pipelineHandler(pipeline, ch), options, log, metrics));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).syscall !== 'listen') throw e; // e.g. an unreadable TLS key: its own message
        throw mllpListenError(e, ch, i, ch.source.mllp.host ?? options.host);
      }
    }
    const app = createApp({ pipeline, metrics, log, version: packageVersion(), delivery: opts.delivery, store, console: opts.console });
    const tls = config.http.tls;
    // HTTPS when configured (certificate and key files; client certificates verified against caFile when required).
    server = tls
      ? createHttpsServer({
        key: readFileSync(tls.keyFile), cert: readFileSync(tls.certFile), ...(tls.caFile ? { ca: readFileSync(tls.caFile) } : {}),
        requestCert: tls.requireClientCert, rejectUnauthorized: tls.requireClientCert, minVersion: 'TLSv1.2',
      }, app)
      : createServer(app);
    server.requestTimeout = 60_000;
    server.headersTimeout = 20_000;
    if (!opts.noHttp) {
      await new Promise<void>((res, rej) => {
        server!.once('error', (e) => rej(httpListenError(e, config.http.host, config.http.port)));
        server!.listen(config.http.port, config.http.host, () => res());
      });
    }
    // Compile the FHIR profiles now rather than on the first message (that first ACK would wait
    // seconds); after listening, so start-up itself stays short.
    const warm = setTimeout(() => {
      try {
        // Cached by the validation module: a second gateway in the same process pays nothing.
        for (const resourceType of ['Patient', 'Coverage', 'Observation', 'DiagnosticReport', 'Appointment']) validateResource({ resourceType, id: 'warm-up' });
      } catch (e) {
        log.warn({ err: (e as Error).message }, 'validator warm-up failed');
      }
    }, 10);
    warm.unref();
    // Several instances on one store: what a dead one committed and never processed is taken over.
    const stopTakeover = startTakeover(pipeline, config.processing.takeoverAfterMs);
    const address = (opts.noHttp ? { address: config.http.host, port: 0, family: 'IPv4' } : server.address()) as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    let closed = false;
    return {
      config, store, log, pipeline, metrics, recovery, mllp,
      http: { server, address, url: `${tls ? 'https' : 'http'}://${host}:${address.port}` },
      async close() {
        if (closed) return;
        closed = true;
        clearTimeout(warm);
        stopTakeover();
        await Promise.all(mllp.map((l) => l.close()));
        if (!opts.noHttp) {
          await new Promise<void>((res) => {
            server!.close(() => res());
            server!.closeIdleConnections();
            setTimeout(() => { server!.closeAllConnections(); }, 5000).unref();
          });
        }
        await pipeline.flushAckSent();
        await pipeline.close();
        await store.close();
      },
    };
  } catch (e) {
    await Promise.all(mllp.map((l) => l.close(0)));
    server?.close();
    await store.close();
    throw e;
  }
}
