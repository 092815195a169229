/**
 * A fast evaluator for the FHIRPath subset that FHIR invariants use, compiled once per
 * expression from fhirpath.js's own parse tree into JS closures. fhirpath.js stays the
 * reference: anything this evaluator does not model (a function it lacks, dates of different
 * precision, primitive extensions, values of unexpected types) "bails out", at compile time or
 * at run time, and the expression is evaluated by fhirpath.js instead. A cross-check mode
 * (used by the tests) runs both and records every disagreement.
 *
 * Why: invariants dominate validation time, and fhirpath.js spends most of it building its
 * evaluation context per call (~10-20 us per invariant); these closures take well under 1 us.
 *
 * The parts, one concern each: core.ts (values as { v, t } items, the bail-out, the R4 model
 * data), model.ts (navigation through the model), values.ts (equality, ordering, types),
 * compile.ts (parse tree -> closures), guard.ts (presence guard), crosscheck.ts (the test mode),
 * reference.ts (fhirpath.js, loaded only when something needs it); this file is the entry point
 * that puts them together.
 */
import { BAIL, FhirpathTypeError, modelData, type Fn } from './core.js';
import { isObj, isResourceType, mk } from './model.js';
import { compileNode, type Node } from './compile.js';
import { parseCached } from './ast-cache.js';
import { guardKeys, rootNames } from './guard.js';
import { checkGuard, checkResult, checkThrows, crossCheck } from './crosscheck.js';
import { r4Model, reference as fhirpath, type Fhirpath } from './reference.js';

export { FhirpathTypeError } from './core.js';
export { setCrossCheck, type CrossCheckMismatch } from './crosscheck.js';
export { preloadReference, referenceLoads } from './reference.js';

export type Evaluator = (value: unknown, env: Record<string, unknown>) => unknown[];

export const fastPathStats = { compiled: 0, fallbackCompile: 0, bailouts: 0, guarded: 0, slowExpressions: new Map<string, number>() };

/** The type key of the focus at `base` (`Patient`, `Patient.contact`, `Period`). */
function baseType(base: string): string | undefined {
  if (!base.includes('.')) return base;
  const model = modelData();
  if (model.choiceTypePaths[base]) return undefined; // the variant decides: leave to fhirpath.js
  const elsewhere = model.pathsDefinedElsewhere[base];
  if (elsewhere) return elsewhere;
  const t = model.pathType(base);
  if (!t) return undefined;
  if (t === 'BackboneElement' || t === 'Element') return base;
  if (t === 'Resource') return '#resource';
  return t;
}

/**
 * Compile `expression` at `base` into an evaluator: the fast closures when possible, with
 * fhirpath.js (compiled once too) behind them for bail-outs. Throws only when fhirpath.js
 * itself cannot compile the expression.
 */
export function compileInvariant(base: string, expression: string): Evaluator {
  // fhirpath.js's evaluator is compiled when first needed (most expressions never bail out);
  // trace() in some invariants would print to stdout, so it is silenced.
  type Compiled = ReturnType<Fhirpath['compile']>;
  let reference: Compiled | undefined;
  const compileReference = (): Compiled => (reference ??= fhirpath().compile({ base, expression }, r4Model(), { traceFn: () => {} }));
  const slow: Evaluator = (value, env) => compileReference()(value, env as never) as unknown[];
  const t = baseType(base);
  let fast: Fn | undefined;
  let ast: Node | undefined;
  if (t !== undefined) {
    try {
      ast = parseCached(expression, (e) => fhirpath().parse(e) as Node);
      fast = compileNode(ast);
    } catch {
      // Unsupported (or unparsable: then fhirpath.js reports it just below): the reference runs it.
      fast = undefined;
    }
  }
  if (!fast) {
    compileReference(); // throws here, at load, if fhirpath.js cannot compile it either
    fastPathStats.fallbackCompile++;
    const key = `${base}: ${expression}`;
    return (value, env) => {
      fastPathStats.slowExpressions.set(key, (fastPathStats.slowExpressions.get(key) ?? 0) + 1);
      return slow(value, env);
    };
  }
  fastPathStats.compiled++;
  const f = fast;
  // Presence guard: when none of the elements the expression reads is present, its result is
  // what it gives on an empty focus, computed once here (dom-2..dom-5 on a resource without
  // contained resources, per-1 on a Period without start...).
  let guard: string[] | null = null;
  let absentResult: unknown[] | undefined;
  const names = new Set<string>();
  const resolvedT = t!.startsWith('#') ? undefined : t!;
  if (resolvedT && ast && rootNames(ast, names, true) && names.size > 0) {
    guard = guardKeys(resolvedT, names);
    if (guard) {
      const stub: Record<string, unknown> = isResourceType(resolvedT) ? { resourceType: resolvedT } : {};
      try {
        const root = [mk(stub, resolvedT)];
        absentResult = f(root, { env: { resource: stub, rootResource: stub, ucum: 'http://unitsofmeasure.org' }, self: root, root }).map((i) => i.v);
      } catch {
        guard = null;
      }
    }
  }
  return (value, env) => {
    if (guard && absentResult && isObj(value)) {
      let present = false;
      for (const k of guard) {
        if (value[k] !== undefined) {
          present = true;
          break;
        }
      }
      if (!present) {
        fastPathStats.guarded++;
        if (crossCheck) checkGuard(crossCheck, base, expression, absentResult, () => slow(value, env));
        return absentResult.slice();
      }
    }
    let out: unknown[];
    try {
      const root = [mk(value, t!)];
      out = f(root, { env, self: root, root }).map((i) => i.v);
    } catch (e) {
      if (e instanceof FhirpathTypeError) {
        if (crossCheck) checkThrows(crossCheck, base, expression, e.message, () => slow(value, env));
        throw e;
      }
      if (e !== BAIL && crossCheck) crossCheck.push({ base, expression, fast: `threw ${(e as Error).message}`, reference: 'n/a' });
      fastPathStats.bailouts++;
      const key = `${base}: ${expression} (bail)`;
      fastPathStats.slowExpressions.set(key, (fastPathStats.slowExpressions.get(key) ?? 0) + 1);
      return slow(value, env);
    }
    if (crossCheck) checkResult(crossCheck, base, expression, out, () => slow(value, env));
    return out;
  };
}
