/**
 * fhirpath.js, the reference evaluator behind the fast closures, loaded when first needed: to
 * parse an expression the parse-tree cache (ast-cache.ts) does not hold, to compile one the fast
 * path cannot, or to evaluate one the fast path bails out of. A `frontdesk validate` whose
 * invariants all compile and run on the fast path never loads it: fhirpath.js is a 1.4 MB module,
 * about a third of the CPU time of a one-file validate.
 *
 * The walker is synchronous, so the first need loads the package's CommonJS build with require()
 * (an ES module cannot be loaded synchronously on Node 20). A process that wants no pause on its
 * first bail-out (the gateway, at start) awaits preloadReference(), which imports the package's ES
 * build instead. Both are the same fhirpath.js release (the ES build is the CommonJS sources
 * bundled), so which one answers does not change a result; test/validation/fastpath.test.ts checks
 * that they agree.
 */
import { createRequire } from 'node:module';
import type fhirpathModule from 'fhirpath';

export type Fhirpath = typeof fhirpathModule;
export type R4Model = Parameters<Fhirpath['compile']>[1];

let fhirpath: Fhirpath | undefined;
let r4: R4Model | undefined;

const require = createRequire(import.meta.url);

/** Counts for tests and the bench: how the reference was loaded (none: never needed). */
export const referenceLoads = { require: 0, import: 0 };

/** fhirpath.js, loaded now if it is not yet (synchronously: its CommonJS build). */
export function reference(): Fhirpath {
  if (!fhirpath) {
    fhirpath = require('fhirpath') as Fhirpath;
    referenceLoads.require++;
  }
  return fhirpath;
}

/** fhirpath.js's R4 model (path types, choice types), for fhirpath.compile. */
export function r4Model(): R4Model {
  return (r4 ??= require('fhirpath/fhir-context/r4/index.js') as R4Model);
}

/** Load fhirpath.js ahead of the first need, as an ES module (no pause on a later bail-out). */
export async function preloadReference(): Promise<void> {
  if (fhirpath) return;
  const m = (await import('fhirpath')).default;
  if (!fhirpath) {
    fhirpath = m;
    referenceLoads.import++;
  }
}
