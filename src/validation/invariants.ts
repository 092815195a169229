/**
 * FHIRPath invariants (ElementDefinition.constraint), each compiled once: fhirpath.compile
 * against the R4 model, fronted by the fast closures of fastpath.ts. Two base invariants that sit on every element are checked natively by
 * the walker because they are pure structure and evaluating them through FHIRPath on every node
 * would dominate the cost: ele-1 (an element has a value or children) and ext-1 (an extension
 * has a value or nested extensions, not both). Constraints that need a server or data we do not
 * have (resolve, memberOf, conformsTo, htmlChecks, ...) are marked `notChecked` and reported as
 * information issues when the element is present.
 */
import type { ElementDefinitionConstraint } from 'fhir/r4.js';
import { compileInvariant, type Evaluator } from './fastpath/index.js';
import { BAIL } from './fastpath/core.js';
import { childInfo, mk, navCount, type Site } from './fastpath/model.js';

export interface Constraint {
  key: string;
  severity: 'error' | 'warning' | 'information';
  human: string;
  expression: string;
  /** The diagnostics of a failure (`key: human`), made once. */
  failure: string;
  /** Compiled evaluator, absent when natively checked or not checkable (see `resolve`). */
  evaluate: Evaluator | undefined;
  /** Why it cannot be checked offline (FHIR_NOT_CHECKED). */
  notChecked: string | undefined;
  /** Checked by the walker itself (ele-1, ext-1). */
  native: boolean;
  /** A native implementation used instead of FHIRPath (see NATIVE_FUNCTIONS). */
  check: ((value: unknown, env: { resource: unknown; rootResource: unknown }) => boolean) | undefined;
  /**
   * A native reading of the expression for the data it is sure about (see QUICK_CHECKS): true or
   * false, or undefined to leave this value to `evaluate`.
   */
  quick: ((value: unknown) => boolean | undefined) | undefined;
  /**
   * Set while the FHIRPath expression is not compiled yet: call it before reading `evaluate` or
   * `notChecked` (it fills them and clears itself; see compileOnFirstUse).
   */
  resolve: (() => void) | undefined;
}

/** Invariants the walker implements natively (see file comment). */
export const NATIVE_KEYS = new Set(['ele-1', 'ext-1']);

/**
 * dom-3 (every contained resource is referenced from elsewhere in the resource, or refers to
 * its container with '#'): the R4 expression applies `as(canonical)` to a collection, which
 * fhirpath.js rightly rejects as a non-singleton, so it is implemented here by its definition.
 */
function dom3(value: unknown): boolean {
  const res = value as { contained?: unknown };
  if (!Array.isArray(res.contained) || res.contained.length === 0) return true;
  const refs = new Set<string>();
  const collect = (v: unknown, skipKey?: string): void => {
    if (typeof v === 'string') {
      if (v.startsWith('#')) refs.add(v);
    } else if (Array.isArray(v)) {
      for (const x of v) collect(x);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) if (k !== skipKey) collect(x);
    }
  };
  collect(value);
  return res.contained.every((c) => {
    const id = (c as { id?: unknown })?.id;
    return typeof id !== 'string' || refs.has(`#${id}`) || refs.has('#');
  });
}

/**
 * ref-1 (R5 reading, see effectiveExpression): a local reference `#id` names a contained
 * resource of the root resource; `#` alone refers from a contained resource to its container.
 * Evaluated on every Reference, so natively; fastpath.test.ts checks it against fhirpath.js.
 */
function ref1(value: unknown, env: { resource: unknown; rootResource: unknown }): boolean {
  const ref = (value as { reference?: unknown }).reference;
  if (typeof ref !== 'string' || !ref.startsWith('#')) return true;
  if (ref === '#') return env.rootResource !== env.resource;
  const contained = (env.rootResource as { contained?: unknown })?.contained;
  if (!Array.isArray(contained)) return false;
  const id = ref.slice(1);
  return contained.some((c) => (c as { id?: unknown })?.id === id);
}

export const NATIVE_FUNCTIONS: Record<string, (value: unknown, env: { resource: unknown; rootResource: unknown }) => boolean> = { 'dom-3': dom3, 'ref-1': ref1 };

type Json = Record<string, unknown>;
const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The entries of a Bundle when every one is a plain object without primitive extensions on the
 * keys these checks read; undefined otherwise (then FHIRPath decides: nulls, extensions and
 * values of the wrong kind are its business, see fastpath/model.ts).
 */
function plainEntries(bundle: unknown): Json[] | undefined {
  if (!isJson(bundle) || typeof bundle.type !== 'string' || bundle._type !== undefined) return undefined;
  const entry = bundle.entry;
  if (entry === undefined) return [];
  if (!Array.isArray(entry)) return undefined;
  for (const e of entry) {
    if (!isJson(e) || e._fullUrl !== undefined || e._request !== undefined || e._response !== undefined || e._resource !== undefined) return undefined;
    if (e.request !== undefined && !isJson(e.request)) return undefined;
    if (e.response !== undefined && !isJson(e.response)) return undefined;
  }
  return entry as Json[];
}

/** bdl-3 / bdl-4: `entry.all(<part>.exists() = (%resource.type = <t1> or <t2> or <t3>))` on the Bundle. */
function partPresentExactlyFor(part: 'request' | 'response', types: readonly string[]): (value: unknown) => boolean | undefined {
  return (value) => {
    const entries = plainEntries(value);
    if (!entries) return undefined;
    const wanted = types.includes((value as Json).type as string);
    for (const e of entries) if ((e[part] !== undefined) !== wanted) return false;
    return true;
  };
}

/**
 * bdl-7: `(type = 'history') or entry.where(fullUrl.exists()).select(fullUrl&resource.meta.versionId).isDistinct()`:
 * fullUrl joined with the version id ('' when absent, as `&` reads an empty operand) is unique.
 */
function bdl7(value: unknown): boolean | undefined {
  const entries = plainEntries(value);
  if (!entries) return undefined;
  // Every entry is read before answering: one FHIRPath is not sure about leaves the whole Bundle to it.
  const keys: string[] = [];
  for (const e of entries) {
    const url = e.fullUrl;
    if (url === undefined) continue;
    if (typeof url !== 'string') return undefined;
    const res = e.resource;
    let version = '';
    if (res !== undefined) {
      if (!isJson(res) || res._meta !== undefined) return undefined;
      const meta = res.meta;
      if (meta !== undefined) {
        if (!isJson(meta) || meta._versionId !== undefined) return undefined;
        if (meta.versionId !== undefined) {
          if (typeof meta.versionId !== 'string') return undefined;
          version = meta.versionId;
        }
      }
    }
    keys.push(url + version);
  }
  if ((value as Json).type === 'history') return true;
  return new Set(keys).size === keys.length;
}

/**
 * One navigation site per (type, name) that countOf reads, kept: a site remembers what the name
 * means under the last type it saw, so a kept one looks nothing up after its first use.
 */
const countSites = new Map<string, Map<string, Site>>();

function countSite(type: string, name: string): Site {
  let byName = countSites.get(type);
  if (byName === undefined) countSites.set(type, (byName = new Map()));
  let site = byName.get(name);
  if (site === undefined) byName.set(name, (site = { name, t: '', info: null }));
  return site;
}

/**
 * How many items `name` gives under a value of type `type`, read as the fast FHIRPath path reads
 * it (fastpath/model.ts navCount, with its bail-outs): undefined where it would bail out.
 */
function countOf(v: unknown, type: string, name: string): number | undefined {
  try {
    return navCount([mk(v, type)], countSite(type, name));
  } catch (e) {
    if (e === BAIL) return undefined;
    throw e;
  }
}

/**
 * fd-obs-2 (profiles/fd-observation.json): a final, amended or corrected result has a value, a
 * dataAbsentReason, components or members. Decided when status is a plain code.
 */
function fdObs2(value: unknown): boolean | undefined {
  if (!isJson(value) || value._status !== undefined) return undefined;
  const status = value.status;
  if (typeof status !== 'string') return undefined;
  let any = false;
  for (const name of ['value', 'dataAbsentReason', 'component', 'hasMember']) {
    const n = countOf(value, 'Observation', name);
    if (n === undefined) return undefined;
    if (n > 0) any = true;
  }
  return status === 'final' || status === 'amended' || status === 'corrected' ? any : true;
}

/** obs-7: without components (the usual result) it holds whatever the value; with them FHIRPath decides. */
function obs7(value: unknown): boolean | undefined {
  if (!isJson(value)) return undefined;
  const components = countOf(value, 'Observation', 'component');
  if (components !== 0 || countOf(value, 'Observation', 'value') === undefined) return undefined;
  return true;
}

/**
 * `<element>.coding.where(system = '<s>' and code = '<c>').exists()` (fd-obs-1, fd-dr-1: a category
 * with a given coding) on a CodeableConcept element of the focus, compiled to one scan of its
 * codings. Decided when every coding's system and code are plain strings or absent.
 */
const CODED_WHERE = /^([a-z][A-Za-z0-9]*)\.coding\.where\(system = '([^'\\]*)' and code = '([^'\\]*)'\)\.exists\(\)$/;

function codedWhere(base: string, expression: string): ((value: unknown) => boolean | undefined) | undefined {
  const m = CODED_WHERE.exec(expression);
  if (!m || base.includes('.')) return undefined;
  const [, name, system, code] = m as unknown as [string, string, string, string];
  const info = childInfo(base, name);
  if (!info || info.children.length !== 1 || info.children[0]!.t !== 'CodeableConcept') return undefined;
  const list = (x: unknown): unknown[] | undefined => (x === undefined || x === null ? [] : Array.isArray(x) ? x : isJson(x) ? [x] : undefined);
  // The primitive extension's key, made once: a key built per call is a new string that each
  // lookup first had to find in the string table (half of this check's time).
  const shadow = `_${name}`;
  return (value) => {
    if (!isJson(value) || value[shadow] !== undefined) return undefined;
    const concepts = list(value[name]);
    if (!concepts) return undefined;
    let found = false;
    for (const cc of concepts) {
      if (!isJson(cc) || cc._coding !== undefined) return undefined;
      const codings = list(cc.coding);
      if (!codings) return undefined;
      for (const c of codings) {
        if (!isJson(c) || c._system !== undefined || c._code !== undefined) return undefined;
        const sys = c.system ?? undefined, cd = c.code ?? undefined;
        if ((sys !== undefined && typeof sys !== 'string') || (cd !== undefined && typeof cd !== 'string')) return undefined;
        if (sys === system && cd === code) found = true;
      }
    }
    return found;
  };
}

const OBSERVATION_QUICK: Record<string, (value: unknown) => boolean | undefined> = {
  "(status = 'final' or status = 'amended' or status = 'corrected') implies (value.exists() or dataAbsentReason.exists() or component.exists() or hasMember.exists())": fdObs2,
  "value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()": obs7,
};

/** A native reading of a constraint by its expression's shape (see the functions above), if one applies. */
function quickForPattern(base: string, expression: string): ((value: unknown) => boolean | undefined) | undefined {
  if (base === 'Observation' && OBSERVATION_QUICK[expression]) return OBSERVATION_QUICK[expression];
  return codedWhere(base, expression);
}

/**
 * Bundle invariants that read every entry, natively (by key and the exact R4 expression, so a
 * profile's own rule with the same key is not taken for them): evaluated once per Bundle, they
 * cost more than any other per-message invariant, and bdl-7 grows with the square of the entries
 * in FHIRPath. Data they are not sure about goes to the compiled expression.
 * test/validation/quick-checks.test.ts checks them against fhirpath.js.
 */
export const QUICK_CHECKS: Record<string, { expression: string; check: (value: unknown) => boolean | undefined }> = {
  'bdl-3': {
    expression: "entry.all(request.exists() = (%resource.type = 'batch' or %resource.type = 'transaction' or %resource.type = 'history'))",
    check: partPresentExactlyFor('request', ['batch', 'transaction', 'history']),
  },
  'bdl-4': {
    expression: "entry.all(response.exists() = (%resource.type = 'batch-response' or %resource.type = 'transaction-response' or %resource.type = 'history'))",
    check: partPresentExactlyFor('response', ['batch-response', 'transaction-response', 'history']),
  },
  'bdl-7': {
    expression: "(type = 'history') or entry.where(fullUrl.exists()).select(fullUrl&resource.meta.versionId).isDistinct()",
    check: bdl7,
  },
};

/** A constraint as R4 defines it (a profile may reuse a key with another expression). */
function isBaseR4(d: ElementDefinitionConstraint): boolean {
  return (d.source === undefined || d.source.startsWith('http://hl7.org/fhir/StructureDefinition/')) &&
    (d.key === 'dom-3' ? (d.expression ?? '').startsWith('contained.where(') : (d.expression ?? '').startsWith("reference.startsWith('#').not()"));
}

const NEEDS_SERVER = /\b(resolve|memberOf|conformsTo|htmlChecks|subsumes|subsumedBy|expand|lookup|validateVS|validateCS|translate|hasTemplateIdOf)\s*\(/;

const BEST_PRACTICE = 'http://hl7.org/fhir/StructureDefinition/elementdefinition-bestpractice';

const compiled = new Map<string, Evaluator | { error: string }>();

function compileOnce(base: string, expression: string): Evaluator | { error: string } {
  const k = `${base}\u0000${expression}`;
  const hit = compiled.get(k);
  if (hit) return hit;
  let out: Evaluator | { error: string };
  try {
    out = compileInvariant(base, expression);
  } catch (e) {
    out = { error: (e as Error).message };
  }
  compiled.set(k, out);
  return out;
}

/** Compile the constraints of one element; `base` is its FHIRPath type context (`Patient.contact`). */
/**
 * Corrected readings of R4 core constraints. ref-1 as R5 states it. The R4 text (`reference.startsWith('#').not() or ...`) evaluates to
 * empty, not true, on a logical reference (identifier only, no `reference`), and an empty result
 * fails a constraint; R4 allows logical references, and R5 fixed the rule by guarding it with
 * `reference.exists() implies (...)`. We apply the R5 reading.
 */
function effectiveExpression(d: ElementDefinitionConstraint): string {
  const e = d.expression ?? '';
  if (d.key === 'ref-1' && e.startsWith("reference.startsWith('#').not()")) return `reference.exists() implies (${e})`;
  // vs-1 (R4 vital signs: "if effective[x] is dateTime ... precise to the day") casts with `as`, which
  // gives empty on an effectivePeriod, and an empty result fails the constraint; the reference
  // validator applies the corrected reading below, so a vital sign with a Period is not an error.
  if (d.key === 'vs-1' && e.startsWith('($this as dateTime).toString().length()')) return '$this is dateTime implies $this.toString().length() >= 10';
  return e;
}

export function compileConstraints(base: string, defs: readonly ElementDefinitionConstraint[] | undefined): Constraint[] {
  const out: Constraint[] = [];
  for (const d of defs ?? []) {
    const expression = effectiveExpression(d);
    const bestPractice = d.extension?.some((x) => x.url === BEST_PRACTICE && x.valueBoolean === true) ?? false;
    // Best-practice rules (dom-6 narrative, ...) are advice, not conformance: information.
    const severity = bestPractice ? 'information' : d.severity === 'warning' ? 'warning' : 'error';
    const human = d.human ?? d.key;
    // Every field set here, in one order: the walker reads constraints of one shape.
    const c: Constraint = { key: d.key, severity, human, expression, failure: `${d.key}: ${human}`, evaluate: undefined, notChecked: undefined, native: false, check: undefined, quick: undefined, resolve: undefined };
    const quick = QUICK_CHECKS[d.key];
    if (quick && quick.expression === expression) c.quick = quick.check;
    else c.quick = quickForPattern(base, expression);
    if (NATIVE_KEYS.has(d.key)) c.native = true;
    else if (NATIVE_FUNCTIONS[d.key] && isBaseR4(d)) c.check = NATIVE_FUNCTIONS[d.key]!;
    else if (!expression) c.notChecked = 'it has no FHIRPath expression';
    else if (NEEDS_SERVER.test(expression)) c.notChecked = `its expression needs a server or external data (${NEEDS_SERVER.exec(expression)![1]}())`;
    else compileOnFirstUse(c, base, expression);
    out.push(c);
  }
  return out;
}

/**
 * `evaluate` and `notChecked` of a FHIRPath constraint, compiled when the walker first needs them
 * (it calls `resolve`): compiling every invariant of every loaded profile at load took most of the
 * start-up of a one-file `frontdesk validate` (about 600 ms CPU), and a run touches only the types
 * it meets. The result is the same as compiling at load; it is cached per (base, expression) by
 * compileOnce. Plain fields rather than getters: the walker reads them on every element.
 */
function compileOnFirstUse(c: Constraint, base: string, expression: string): void {
  c.resolve = () => {
    const f = compileOnce(base, expression);
    if (typeof f === 'function') c.evaluate = f;
    else c.notChecked = `its expression does not compile (${f.error})`;
    c.resolve = undefined;
  };
}

/** Fill `evaluate`/`notChecked` of constraints compiled on first use (tests and tools reading them). */
export function resolveConstraint(c: Constraint): Constraint {
  c.resolve?.();
  return c;
}
