/**
 * The composition root: given the typed configuration (read once, src/config.ts), it builds the
 * store, the pipeline, the delivery worker and the job context once, then the edges with what they
 * need passed in: one MLLP listener per MLLP channel (each given a handler, src/mllp/intake.ts),
 * the HTTP app, the cron schedule. `npm start`, `frontdesk serve` (src/main.ts) and the tests all
 * start the gateway here; the CLI builds the same pieces through src/composition.ts.
 *
 * Start-up order, and why it is quick: only what listening needs is loaded before the sockets open
 * (configuration, store, MLLP framing, node:http). The pipeline with its flows, mappings and
 * validators, the HTTP app with its routes, the delivery clients and the job table are imported
 * just after (`onListening` is called in between); a frame or a request that arrives meanwhile
 * waits for them, it is never refused. Messages committed before the last stop (state 'received')
 * are read before anything listens and processed behind the open listeners, ahead of new ones in
 * the processing queue (src/runtime/recovery.ts): a restart after a burst answers at once.
 * close() stops the jobs and the worker, stops accepting, lets work in progress finish, and
 * closes the store.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.js';
import { openStore, type Store } from './store/index.js';
import { createLogger, settled } from './logging.js';
import type { Pipeline, PipelineHooks } from './runtime/pipeline.js';
import { Metrics } from './runtime/metrics.js';
import { pendingBacklog, startRecovery, startTakeover, type Recovery, type RecoveryReport } from './runtime/recovery.js';
import { listenerOptions, startMllpListener, type MllpHandler, type MllpListener } from './mllp/listener.js';
import { oversizedReject } from './mllp/intake.js';
import { httpListenError, mllpListenError } from './runtime/listen-error.js';
import { requestObjects } from './http/request-objects.js';
import type { AppDeps, DeliveryEdge } from './http/app.js';
import type { Delivery } from './composition.js';
import type { Jobs } from './jobs/schedule.js';
import { ROOT_DIR } from './paths.js';

export interface Gateway {
  config: GatewayConfig;
  /** The store, behind its engine-neutral interface (src/store/types.ts). */
  store: Store;
  log: Logger;
  pipeline: Pipeline;
  metrics: Metrics;
  /**
   * The start-up recovery, running behind the open listeners: resolves when every message left
   * 'received' by the last stop is processed (or the gateway closed first; never rejects).
   */
  recovery: Promise<RecoveryReport>;
  /** Recovered messages still to process (0 when done). */
  recoveryLeft(): number;
  mllp: MllpListener[];
  http: { server: Server; address: AddressInfo; url: string };
  /** The delivery worker and job context, when the gateway built them (`withDelivery`). */
  delivery?: Delivery | undefined;
  /** The cron schedule, when started (`withJobs`). */
  jobs?: Jobs | undefined;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  hooks?: PipelineHooks;
  /** Do not open the HTTP server (tests of the MLLP side only). */
  noHttp?: boolean;
  /** The store, when the caller opened it (the gateway closes it on close); else opened here from config.store. */
  store?: Store;
  /** A job context and worker wake-up made by the caller, for the HTTP /jobs and /deliveries routes. */
  delivery?: DeliveryEdge;
  /** The web console's audit sink and session settings (tests pin its clock). */
  console?: AppDeps['console'];
  /** Build the delivery worker (polling the outbox) and its job context here (`npm start`). */
  withDelivery?: boolean | { pollMs?: number };
  /** Start the cron schedule with that job context (needs withDelivery). */
  withJobs?: boolean;
  /** Called once every socket listens, before the pipeline and the HTTP app are loaded. */
  onListening?: (listening: { mllp: MllpListener[]; http: Gateway['http'] }) => void;
}

export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(resolve(ROOT_DIR, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** A value that arrives later; `get()` waits for it (or rethrows why it never came). */
function later<T>() {
  let value: T | undefined;
  let settle!: { ok: (v: T) => void; fail: (e: unknown) => void };
  const promise = new Promise<T>((ok, fail) => { settle = { ok, fail }; });
  promise.catch(() => {}); // a failed start is reported by startGateway, not as an unhandled rejection
  return {
    now: () => value,
    get: () => (value !== undefined ? Promise.resolve(value) : promise),
    set(v: T) { value = v; settle.ok(v); },
    fail: (e: unknown) => settle.fail(e),
  };
}

export async function startGateway(config: GatewayConfig, opts: StartOptions = {}): Promise<Gateway> {
  // Deferred until first used (src/logging.ts): the listeners get children of it; everything built after listening gets pino itself.
  let log = opts.log ?? createLogger(config.log.level);
  const store = opts.store ?? await openStore(config.store);
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
  const pipelineModules = () => Promise.all([import('./runtime/pipeline.js'), import('./composition.js'), import('./mllp/intake.js')]);
  const buildPipeline = async () => {
    const [{ Pipeline }, { answerRenderers }] = await pipelineModules();
    return new Pipeline(store, config, log, metrics, answerRenderers, hooks);
  };
  const pipeline = later<Pipeline>();
  const app = later<RequestListener>();
  const mllp: MllpListener[] = [];
  let server: Server | undefined;
  let delivery: Delivery | undefined;
  let jobs: Jobs | undefined;
  const stopDelivery = async () => {
    jobs?.stop();
    await delivery?.worker.stop();
  };
  try {
    // Committed before the last stop and not processed: read now, before anything listens (so
    // nothing new is taken for it), processed once the pipeline is loaded, behind the listeners.
    const backlog = await pendingBacklog(store);

    for (const [i, ch] of config.channels.entries()) {
      if (!ch.source.mllp) continue;
      const options = listenerOptions(config);
      // The channel's handler once the pipeline is loaded; a frame arriving before waits for it.
      let handler: MllpHandler | undefined;
      const ready = async () => (handler ??= (await import('./mllp/intake.js')).pipelineHandler(await pipeline.get(), ch));
      const lazy: MllpHandler = {
        frame: async (payload, conn) => (await ready()).frame(payload, conn),
        oversized: (conn, maxFrameBytes) => oversizedReject(conn, maxFrameBytes, ch.encoding),
      };
      try {
        mllp.push(await startMllpListener(ch, lazy, options, log, metrics));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).syscall !== 'listen') throw e; // e.g. an unreadable TLS key: its own message
        throw mllpListenError(e, ch, i, ch.source.mllp.host ?? options.host);
      }
    }
    const handle = (req: IncomingMessage, res: ServerResponse) => {
      const a = app.now();
      if (a) return a(req, res);
      app.get().then((h) => h(req, res), () => { res.statusCode = 503; res.end(); });
    };
    const tls = config.http.tls;
    // Requests born with the app's prototypes once it is loaded (src/http/request-objects.ts says why).
    const objects = requestObjects();
    const classes = { IncomingMessage: objects.IncomingMessage, ServerResponse: objects.ServerResponse };
    // HTTPS when configured (certificate and key files; client certificates verified against caFile when required).
    // node:https (with node:tls and node:crypto) only when configured: a plain gateway's start does not load it.
    server = tls
      ? (await import('node:https')).createServer({
        key: readFileSync(tls.keyFile), cert: readFileSync(tls.certFile), ...(tls.caFile ? { ca: readFileSync(tls.caFile) } : {}),
        requestCert: tls.requireClientCert, rejectUnauthorized: tls.requireClientCert, minVersion: 'TLSv1.2', ...classes,
      }, handle)
      : createServer(classes, handle);
    server.requestTimeout = 60_000;
    server.headersTimeout = 20_000;
    if (!opts.noHttp) {
      await new Promise<void>((res, rej) => {
        server!.once('error', (e) => rej(httpListenError(e, config.http.host, config.http.port)));
        server!.listen(config.http.port, config.http.host, () => res());
      });
    }
    const address = (opts.noHttp ? { address: config.http.host, port: 0, family: 'IPv4' } : server.address()) as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const http = { server, address, url: `${tls ? 'https' : 'http'}://${host}:${address.port}` };
    opts.onListening?.({ mllp, http });
    log = settled(log);

    // Listening: now the rest.
    try {
      if (!pipeline.now()) pipeline.set(await buildPipeline());
      if (backlog.length) {
        // Recovery's from the first moment a frame can be processed (its order and attempt counting: Pipeline.wait).
        pipeline.now()!.recoveryNextId = backlog[0]!;
        pipeline.now()!.recoveryLeft = backlog.length;
      }
      let edge = opts.delivery;
      if (opts.withDelivery) {
        const { buildDelivery } = await import('./composition.js');
        delivery = buildDelivery(store, config, log, typeof opts.withDelivery === 'object' ? opts.withDelivery : {});
        edge = { jobs: delivery.jobDeps, onReplay: () => delivery!.worker.wake() };
        // What processing queued goes out now, not at the worker's next poll.
        pipeline.now()!.whenQueued(() => delivery!.worker.wake());
      }
      const { createApp } = await import('./http/app.js');
      const expressApp = createApp({ pipeline: pipeline.now()!, metrics, log, version: packageVersion(), delivery: edge, store, console: opts.console });
      objects.adopt(expressApp);
      app.set(expressApp);
      if (opts.withJobs && delivery) jobs = (await import('./jobs/schedule.js')).startJobs(delivery.jobDeps);
    } catch (e) {
      pipeline.fail(e);
      app.fail(e);
      throw e;
    }

    // Compile the FHIR profiles now rather than on the first message (that first ACK would wait
    // seconds); after listening, so start-up itself stays short.
    const { validateResource, preloadReference } = await import('./validation/index.js');
    const warm = setTimeout(() => {
      try {
        // Cached by the validation module: a second gateway in the same process pays nothing.
        for (const resourceType of ['Patient', 'Coverage', 'Observation', 'DiagnosticReport', 'Appointment']) validateResource({ resourceType, id: 'warm-up' });
      } catch (e) {
        log.warn({ err: (e as Error).message }, 'validator warm-up failed');
      }
      // fhirpath.js, for the invariants the fast evaluator leaves to it: loaded now rather than by
      // the first message that needs it (which would wait for it).
      preloadReference().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'fhirpath.js preload failed'));
    }, 10);
    warm.unref();
    // The search index's definitions, their FHIRPath expressions (a type's at a time) and the UCUM
    // tables: loaded now, each in a turn of its own, rather than inside the first write
    // that indexes (which held the event loop ~180 ms while its message was processed, #17).
    const warmIndex = setTimeout(() => {
      const turn = () => new Promise<void>((r) => setImmediate(r));
      void (async () => {
        const [{ searchableTypes, compileSearchParams }, { canonical }] = await Promise.all([import('./fhir/search-index.js'), import('./fhir/search-quantity.js')]);
        await turn();
        if (closed) return;
        for (const type of searchableTypes()) {
          await turn();
          if (closed) return;
          compileSearchParams(type);
        }
        await turn();
        if (!closed) canonical('mg/dL', 1);
      })().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'search index preload failed'));
    }, 20);
    warmIndex.unref();
    const running = pipeline.now()!;
    // The backlog, ahead of what arrives from now on, while the listeners answer.
    const recovering: Recovery | undefined = backlog.length ? startRecovery(running, backlog) : undefined;
    const recovery = recovering?.done ?? Promise.resolve({ processed: 0, failed: 0 });
    // Several instances on one store: what a dead one committed and never processed is taken over.
    const stopTakeover = startTakeover(running, config.processing.takeoverAfterMs);
    let closed = false;
    return {
      config, store, log, pipeline: running, metrics, recovery, recoveryLeft: () => recovering?.left() ?? 0, mllp, http, delivery, jobs,
      async close() {
        if (closed) return;
        closed = true;
        clearTimeout(warm);
        clearTimeout(warmIndex);
        stopTakeover();
        recovering?.stop();
        await stopDelivery();
        await Promise.all(mllp.map((l) => l.close()));
        if (!opts.noHttp) {
          await new Promise<void>((res) => {
            server!.close(() => res());
            server!.closeIdleConnections();
            setTimeout(() => { server!.closeAllConnections(); }, 5000).unref();
          });
        }
        await running.flushAckSent();
        await running.close();
        await recovery;
        await store.close();
      },
    };
  } catch (e) {
    await stopDelivery();
    await Promise.all(mllp.map((l) => l.close(0)));
    server?.close();
    await store.close();
    throw e;
  }
}
