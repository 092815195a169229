/**
 * A processing worker thread (node:worker_threads): parses, maps and validates one HL7v2 message
 * (src/flows/hl7v2/process.ts) off the gateway's event loop, so a large message (a 10,000-OBX
 * ORU) never holds up intake, other channels or the HTTP API. It reads and writes nothing: stored
 * resources come in with the request (`known`), and the ones the flow asked for and did not get
 * go back as `misses` (the same protocol as src/flows/stored-lookup.ts, one round per request).
 * Started by ./offload.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { constants, gzipSync } from 'node:zlib';
import type { Resource } from 'fhir/r4.js';
import { processHl7 } from '../flows/hl7v2/index.js';
import { loadValidator, preloadReference } from '../validation/index.js';
import { mappingVersion, reloadMappings } from '../mapping/version.js';
import { serializeOutput, transferables, type OffloadReply, type OffloadRequest } from './offload.js';

const data = workerData as { extraProfileDir?: string } | undefined;
// The same profiles as the gateway's own validator (main.ts loads them before listening).
if (data?.extraProfileDir) loadValidator({ extraProfileDir: data.extraProfileDir });
// fhirpath.js, for the invariants the fast evaluator leaves to it: loaded as the thread starts (as
// the gateway does after listening), not by the first message that needs it.
// A failure here is met again, and reported, where an invariant needs fhirpath.js.
preloadReference().catch(() => {});

/** Fewer issues than this travel as objects (their clone is cheap). */
const ISSUES_AS_TEXT = 100;

parentPort!.on('message', (msg: { seq: number; req: OffloadRequest }) => {
  let reply: OffloadReply;
  try {
    reply = run(msg.req);
  } catch (e) {
    reply = { error: (e as Error).message };
  }
  // The Bundle's bytes (and its gzip, its entries' positions) are moved, not copied.
  parentPort!.postMessage({ seq: msg.seq, reply }, transferables(reply));
});

function run(req: OffloadRequest): OffloadReply {
  // This thread caches the mappings too: run with the version the gateway records for the attempt.
  if (mappingVersion() !== req.mappingVersion && reloadMappings() !== req.mappingVersion) {
    return { error: 'the mapping files on disk are not the version the gateway runs with' };
  }
  const known = new Map<string, Resource | null>(JSON.parse(req.known) as Array<[string, Resource | null]>);
  const misses: Array<[string, string]> = [];
  const lookup = {
    get(type: string, id: string): Resource | undefined {
      const hit = known.get(`${type}/${id}`);
      if (hit !== undefined) return hit ?? undefined;
      misses.push([type, id]);
      return undefined;
    },
  };
  const p = processHl7(req.raw, req.channel, { ...req.ctx, lookup }, req.intake);
  // The flow this thread ran must be the one the gateway would run (a flow registered at run time
  // in the main thread only, as tests do, is not here): otherwise the caller processes it itself.
  if (p.flow !== undefined && req.flow !== undefined && p.flow !== req.flow) return { error: `flow ${req.flow} not available in the worker` };
  if (p.flow === undefined && req.flow !== undefined) return { error: `flow ${req.flow} not available in the worker` };
  const { message, ...rest } = p;
  // Serialized here, off the event loop: the gateway stores these texts as they are, and reads the
  // Bundle's entries back from theirs a few at a time (pipeline.ts, offload.ts).
  // Many issues (a warning per OBX) travel as one text: see OffloadedRun.
  const issuesText = rest.issues.length > ISSUES_AS_TEXT ? JSON.stringify(rest.issues) : undefined;
  const issues = issuesText === undefined ? {}
    : { issues: [], issuesText, ...(req.gzip ? { issuesGzip: gzipSync(issuesText, { level: constants.Z_BEST_SPEED }) } : {}) };
  if (!rest.output) return { run: { ...rest, ...issues, readable: message !== undefined }, misses };
  const { bundle, json } = serializeOutput(rest.output);
  // Gzipped here too when the store keeps the outputs so (SQLite): ~13x smaller, so the rows
  // that hold them are short writes on the gateway's event loop (src/store/json-text.ts).
  if (req.gzip) json.bundleGzip = gzipSync(json.bundleUtf8, { level: constants.Z_BEST_SPEED });
  return { run: { ...rest, ...issues, output: { ...rest.output, bundle: bundle as typeof rest.output.bundle }, readable: message !== undefined, json }, misses };
}
