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
 * Values: a collection is an array of { v, t } items, `v` the JSON value and `t` its type key:
 * a resource type (`Patient`), a backbone path (`Patient.contact`), a datatype (`HumanName`),
 * a FHIR primitive (`dateTime`) or a System type (`System.Boolean`). Navigation uses the R4
 * model that ships with fhirpath.js (path2Type, choiceTypePaths, pathsDefinedElsewhere).
 */
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4/index.js';
import { primitiveRule } from './primitives.js';

interface Item {
  v: unknown;
  t: string;
}
type Coll = Item[];
interface Ctx {
  env: Record<string, unknown>;
  self: Coll; // $this
  root: Coll; // %context
}
type Fn = (focus: Coll, ctx: Ctx) => Coll;

/** Thrown when the fast evaluator cannot decide: fhirpath.js takes over. */
class Bail extends Error {}

/**
 * Thrown where fhirpath.js itself throws a type error: comparing a date/dateTime/instant with a
 * value of that type that is malformed (fhirpath.js reads it as a String). The data error is
 * already reported by the walker; this saves running fhirpath.js just to watch it throw.
 */
export class FhirpathTypeError {
  // Not an Error subclass on purpose: no stack trace to capture on what is a data problem.
  constructor(readonly message: string) {}
}

/** Type key of a date/dateTime/instant value that does not parse as one. */
const MALFORMED_DATE = 'malformed-date';
const BAIL = new Bail('bail');
function bail(): never {
  throw BAIL;
}

interface ModelShape {
  path2Type: Record<string, string>;
  choiceTypePaths: Record<string, string[]>;
  pathsDefinedElsewhere: Record<string, string>;
  type2Parent: Record<string, string>;
}
const model = r4model as unknown as ModelShape;

const PRIMITIVES = new Set(['base64Binary', 'boolean', 'canonical', 'code', 'date', 'dateTime', 'decimal', 'id', 'instant', 'integer', 'markdown', 'oid', 'positiveInt', 'string', 'time', 'unsignedInt', 'uri', 'url', 'uuid', 'xhtml']);
const DATE_TYPES = new Set(['date', 'dateTime', 'instant']);
const DT_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

interface Child {
  key: string;
  /** `_key`, where a primitive's extensions would be (built once, not per navigation). */
  ext: string;
  t: string;
}
type ChildInfo = { children: Child[] } | null;

const childCache = new Map<string, Map<string, ChildInfo>>();

/** What `name` means under type `t`: the JSON key(s) to read and their types. */
function childInfo(t: string, name: string): ChildInfo {
  let byName = childCache.get(t);
  if (!byName) childCache.set(t, (byName = new Map()));
  const hit = byName.get(name);
  if (hit !== undefined) return hit;
  const p = `${t}.${name}`;
  let info: ChildInfo = null;
  const choice = model.choiceTypePaths[p];
  if (choice) {
    info = {
      children: choice.map((T) => {
        const lower = T.charAt(0).toLowerCase() + T.slice(1);
        return { key: name + T, ext: `_${name}${T}`, t: PRIMITIVES.has(lower) ? lower : T };
      }),
    };
  } else {
    const elsewhere = model.pathsDefinedElsewhere[p];
    const type = model.path2Type[p];
    const ext = `_${name}`;
    if (elsewhere) info = { children: [{ key: name, ext, t: elsewhere }] };
    else if (type === 'BackboneElement' || type === 'Element') info = { children: [{ key: name, ext, t: p }] };
    else if (type === 'Resource') info = { children: [{ key: name, ext, t: '#resource' }] };
    else if (type) info = { children: [{ key: name, ext, t: type }] };
  }
  byName.set(name, info);
  return info;
}

const keyTypes = new Map<string, Map<string, string>>();

/** JSON key -> type of every element directly under type `t` (choice variants expanded). */
function keysOf(t: string): Map<string, string> {
  let m = keyTypes.get(t);
  if (m) return m;
  m = new Map();
  const prefix = `${t}.`;
  const names = new Set<string>();
  for (const p of Object.keys(model.path2Type)) if (p.startsWith(prefix) && !p.includes('.', prefix.length)) names.add(p.slice(prefix.length));
  for (const p of Object.keys(model.choiceTypePaths)) if (p.startsWith(prefix) && !p.includes('.', prefix.length)) names.add(p.slice(prefix.length));
  for (const p of Object.keys(model.pathsDefinedElsewhere)) if (p.startsWith(prefix) && !p.includes('.', prefix.length)) names.add(p.slice(prefix.length));
  for (const name of names) for (const c of childInfo(t, name)?.children ?? []) m.set(c.key, c.t);
  keyTypes.set(t, m);
  return m;
}

/** descendants(): every child, grandchild... of each item, typed through the model. */
function descendants(coll: Coll): Coll {
  const out: Coll = [];
  const visit = (it: Item): void => {
    const v = it.v;
    if (!isObj(v)) return;
    const keys = keysOf(it.t);
    for (const k in v) {
      if (k === 'resourceType') continue;
      if (k.charCodeAt(0) === 95) bail(); // primitive extensions
      const t = keys.get(k);
      if (t === undefined) bail();
      const x = v[k];
      if (Array.isArray(x)) {
        for (const e of x) {
          if (e === null || e === undefined) bail();
          const child = mk(e, t);
          out.push(child);
          visit(child);
        }
      } else {
        if (x === null || x === undefined) bail();
        const child = mk(x, t);
        out.push(child);
        visit(child);
      }
    }
  };
  for (const it of coll) visit(it);
  return out;
}

function isResourceType(t: string): boolean {
  let cur: string | undefined = t;
  for (let guard = 0; cur && guard < 5; guard++) {
    cur = model.type2Parent[cur];
    if (cur === 'Resource') return true;
  }
  return false;
}

const NUMBER_TYPES = new Set(['integer', 'decimal', 'positiveInt', 'unsignedInt']);
// As the R4 regexes (valid months, days, hours), but a dateTime's time may lack the offset and
// the seconds: fhirpath.js still reads those as DateTime values.
const FP_DATE = /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$/;
const FP_DATETIME = /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3])(:[0-5][0-9](:([0-5][0-9]|60)(\.[0-9]+)?)?)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?)?)?)?$/;

/**
 * Whether fhirpath.js reads the value as a date/time of its type (else as a String, and then it
 * throws when comparing it with a date): an instant needs the full R4 form with an offset; a
 * dateTime may omit the offset; a date is YYYY[-MM[-DD]].
 */
function looksLikeDate(t: string, v: string): boolean {
  if (t === 'instant') return primitiveRule('instant')!.regex!.test(v);
  if (t === 'date') return FP_DATE.test(v);
  return FP_DATETIME.test(v);
}

function mk(v: unknown, t: string): Item {
  if (t === '#resource') {
    const rt = (v as { resourceType?: unknown })?.resourceType;
    return { v, t: typeof rt === 'string' ? rt : 'Resource' };
  }
  // Data that does not fit its type (a number for a dateTime, a string for a HumanName, a
  // malformed date) is already an error of the walker; how FHIRPath treats it is fhirpath.js's call.
  if (PRIMITIVES.has(t)) {
    const kind = t === 'boolean' ? 'boolean' : NUMBER_TYPES.has(t) ? 'number' : 'string';
    if (typeof v !== kind) bail();
    if (DATE_TYPES.has(t) && !looksLikeDate(t, v as string)) return { v, t: MALFORMED_DATE };
  } else if (!t.startsWith('System.') && typeof v !== 'object') bail();
  return { v, t };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A navigation site remembers the last type it saw (most sites only ever see one). */
interface Site {
  name: string;
  t: string;
  info: ChildInfo;
  /** Sites that see many types (after descendants()) keep them all. */
  many?: Map<string, ChildInfo>;
}

function nav(coll: Coll, site: Site): Coll {
  const out: Coll = [];
  const name = site.name;
  for (const it of coll) {
    const v = it.v;
    if (!isObj(v)) continue;
    let info: ChildInfo | undefined;
    if (it.t === site.t) info = site.info;
    else {
      info = site.many?.get(it.t);
      if (info === undefined) {
        info = childInfo(it.t, name);
        (site.many ??= new Map()).set(it.t, info);
      }
      site.t = it.t;
      site.info = info;
    }
    if (!info) {
      if (v[name] !== undefined) bail(); // not in the model but present: let fhirpath.js decide
      continue;
    }
    for (const c of info.children) {
      const x = v[c.key];
      if (v[c.ext] !== undefined) bail(); // primitive extensions: modelled by fhirpath.js
      if (x === undefined || x === null) continue;
      if (Array.isArray(x)) {
        for (const e of x) {
          if (e === null || e === undefined) bail(); // fhirpath.js keeps a value-less node for it
          out.push(mk(e, c.t));
        }
      } else out.push(mk(x, c.t));
    }
  }
  return out;
}

const TRUE: Coll = [{ v: true, t: 'System.Boolean' }];
const FALSE: Coll = [{ v: false, t: 'System.Boolean' }];
const EMPTY: Coll = [];
const bool = (b: boolean | undefined): Coll => (b === undefined ? EMPTY : b ? TRUE : FALSE);

/** Singleton evaluation of a collection in a boolean context (FHIRPath 4.5). */
function toBool(c: Coll): boolean | undefined {
  if (c.length === 0) return undefined;
  if (c.length > 1) bail();
  const v = c[0]!.v;
  return typeof v === 'boolean' ? v : true;
}

function singleton(c: Coll): Item | undefined {
  if (c.length > 1) bail();
  return c[0];
}

function str(c: Coll): string | undefined {
  const it = singleton(c);
  if (it === undefined) return undefined;
  if (typeof it.v !== 'string') bail();
  return it.v;
}

// ---- equality and ordering

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => jsonEqual(x, (b as unknown[])[i]));
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}


/** Compare two FHIR dates/dateTimes when FHIRPath's answer is certain; bail otherwise. */
function compareDates(a: string, b: string): number {
  const ma = DT_RE.exec(a), mb = DT_RE.exec(b);
  if (!ma || !mb) bail();
  const precision = (m: RegExpExecArray): number => (m[6] !== undefined ? 6 : m[5] !== undefined ? 5 : m[3] !== undefined ? 3 : m[2] !== undefined ? 2 : 1);
  const pa = precision(ma), pb = precision(mb);
  if (pa !== pb) bail();
  if (pa <= 3) return a < b ? -1 : a > b ? 1 : 0;
  if (ma[8] === undefined || mb[8] === undefined) bail(); // no offset: depends on the evaluator's zone
  const ta = Date.parse(a), tb = Date.parse(b);
  if (Number.isNaN(ta) || Number.isNaN(tb)) bail();
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}

function isDate(it: Item): boolean {
  return DATE_TYPES.has(it.t);
}

function itemEqual(x: Item, y: Item): boolean {
  if (x.t === MALFORMED_DATE || y.t === MALFORMED_DATE) bail();
  if (isDate(x) || isDate(y)) {
    if (!(isDate(x) && isDate(y)) || typeof x.v !== 'string' || typeof y.v !== 'string') bail();
    return compareDates(x.v, y.v) === 0;
  }
  if (x.t === 'time' || y.t === 'time') bail();
  const a = x.v, b = y.v;
  if (typeof a === 'object' || typeof b === 'object') {
    if (typeof a !== 'object' || typeof b !== 'object') bail();
    return jsonEqual(a, b);
  }
  if (typeof a !== typeof b) bail();
  return a === b;
}

function collEqual(a: Coll, b: Coll): boolean | undefined {
  if (a.length === 0 || b.length === 0) return undefined;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!itemEqual(a[i]!, b[i]!)) return false;
  return true;
}

function compare(a: Coll, b: Coll): number | undefined {
  const x = singleton(a), y = singleton(b);
  if (x === undefined || y === undefined) return undefined;
  if ((x.t === MALFORMED_DATE && isDate(y)) || (y.t === MALFORMED_DATE && isDate(x))) {
    throw new FhirpathTypeError(`cannot compare ${JSON.stringify(x.v)} with ${JSON.stringify(y.v)}`);
  }
  if (isDate(x) || isDate(y)) {
    if (!(isDate(x) && isDate(y)) || typeof x.v !== 'string' || typeof y.v !== 'string') bail();
    return compareDates(x.v, y.v);
  }
  if (x.t === 'time' || y.t === 'time') bail();
  if (typeof x.v === 'number' && typeof y.v === 'number') return x.v - y.v;
  if (typeof x.v === 'string' && typeof y.v === 'string') return x.v < y.v ? -1 : x.v > y.v ? 1 : 0;
  return bail();
}

function contains(coll: Coll, it: Item): boolean {
  for (const c of coll) if (itemEqual(c, it)) return true;
  return false;
}

function distinctUnion(a: Coll, b: Coll): Coll {
  const out: Coll = [];
  for (const it of [...a, ...b]) if (!contains(out, it)) out.push(it);
  return out;
}

// ---- types

function typeName(spec: string): string {
  return spec.startsWith('FHIR.') ? spec.slice(5) : spec;
}

function isType(it: Item, T: string): boolean {
  const want = typeName(T);
  if (want.startsWith('System.') || it.t === MALFORMED_DATE) bail();
  let t: string | undefined = it.t;
  if (t.startsWith('System.')) bail();
  if (t.includes('.')) return want === 'BackboneElement' || want === 'Element' || want === 'Base';
  if (PRIMITIVES.has(t) || PRIMITIVES.has(want)) {
    if (t === want) return true;
    bail(); // primitive subtyping (code is a string...) is left to fhirpath.js
  }
  for (let guard = 0; t && guard < 10; guard++) {
    if (t === want) return true;
    t = model.type2Parent[t];
  }
  return false;
}

// ---- compiler over fhirpath.js's parse tree

interface Node {
  type: string;
  text?: string;
  terminalNodeText?: string[];
  children?: Node[];
}

class Unsupported extends Error {}
function unsupported(what: string): never {
  throw new Unsupported(what);
}

function kid(n: Node, i: number): Node {
  const c = n.children?.[i];
  if (!c) unsupported(`${n.type} without child ${i}`);
  return c;
}

function unquote(s: string): string {
  const body = s.slice(1, -1);
  return body.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    if (e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', f: '\f' } as Record<string, string>)[e] ?? e;
  });
}

const regexCache = new Map<string, RegExp>();
function regex(source: string): RegExp {
  let re = regexCache.get(source);
  if (!re) {
    re = new RegExp(source, 'us'); // fhirpath.js: unicode + dotAll
    regexCache.set(source, re);
  }
  return re;
}

/** A compiled parameter that must be a string literal (regexes). */
function literalString(n: Node): string | undefined {
  let cur: Node | undefined = n;
  while (cur && (cur.type === 'TermExpression' || cur.type === 'LiteralTerm') && cur.children?.length === 1) cur = cur.children[0];
  return cur?.type === 'StringLiteral' && cur.text ? unquote(cur.text) : undefined;
}

function typeSpecifier(n: Node): string {
  // ofType(Quantity) parses as a member invocation; `is Quantity` as a TypeSpecifier.
  const text = n.text ?? '';
  if (!/^[A-Za-z][A-Za-z0-9.]*$/.test(text)) unsupported(`type ${text}`);
  return text;
}

function compileNode(n: Node): Fn {
  switch (n.type) {
    case 'EntireExpression':
    case 'TermExpression':
    case 'ParenthesizedTerm':
      if (n.children?.length !== 1) unsupported(n.type);
      return compileNode(kid(n, 0));
    case 'InvocationTerm':
      return compileInvocation(kid(n, 0), undefined);
    case 'InvocationExpression': {
      const left = compileNode(kid(n, 0));
      return compileInvocation(kid(n, 1), left);
    }
    case 'LiteralTerm':
      return compileLiteral(kid(n, 0));
    case 'ExternalConstantTerm': {
      const name = kid(kid(n, 0), 0).text ?? '';
      const id = name.startsWith('`') ? name.slice(1, -1) : name.startsWith("'") ? unquote(name) : name;
      if (id === 'resource' || id === 'rootResource') {
        return (_f, ctx) => {
          const r = ctx.env[id];
          return r === undefined ? EMPTY : [mk(r, '#resource')];
        };
      }
      if (id === 'ucum') return () => [{ v: 'http://unitsofmeasure.org', t: 'System.String' }];
      if (id === 'context') return (_f, ctx) => ctx.root;
      return unsupported(`%${id}`);
    }
    case 'AndExpression':
    case 'OrExpression':
    case 'XorExpression':
    case 'ImpliesExpression':
      return compileLogic(n);
    case 'EqualityExpression': {
      const a = compileNode(kid(n, 0)), b = compileNode(kid(n, 1));
      if (n.text === '=') return (f, ctx) => bool(collEqual(a(f, ctx), b(f, ctx)));
      if (n.text === '!=') return (f, ctx) => {
        const r = collEqual(a(f, ctx), b(f, ctx));
        return bool(r === undefined ? undefined : !r);
      };
      return unsupported(`equality ${n.text}`);
    }
    case 'InequalityExpression': {
      const a = compileNode(kid(n, 0)), b = compileNode(kid(n, 1));
      const op = n.text;
      const test = op === '<' ? (c: number) => c < 0 : op === '<=' ? (c: number) => c <= 0 : op === '>' ? (c: number) => c > 0 : op === '>=' ? (c: number) => c >= 0 : unsupported(`op ${op}`);
      return (f, ctx) => {
        const c = compare(a(f, ctx), b(f, ctx));
        return c === undefined ? EMPTY : bool(test(c));
      };
    }
    case 'MembershipExpression': {
      const a = compileNode(kid(n, 0)), b = compileNode(kid(n, 1));
      if (n.text === 'in') return (f, ctx) => {
        const x = singleton(a(f, ctx));
        return x === undefined ? EMPTY : bool(contains(b(f, ctx), x));
      };
      if (n.text === 'contains') return (f, ctx) => {
        const y = singleton(b(f, ctx));
        return y === undefined ? EMPTY : bool(contains(a(f, ctx), y));
      };
      return unsupported(`membership ${n.text}`);
    }
    case 'UnionExpression': {
      const a = compileNode(kid(n, 0)), b = compileNode(kid(n, 1));
      return (f, ctx) => distinctUnion(a(f, ctx), b(f, ctx));
    }
    case 'AdditiveExpression': {
      const a = compileNode(kid(n, 0)), b = compileNode(kid(n, 1));
      if (n.text === '&') return (f, ctx) => [{ v: (str(a(f, ctx)) ?? '') + (str(b(f, ctx)) ?? ''), t: 'System.String' }];
      if (n.text === '+') return (f, ctx) => {
        const x = singleton(a(f, ctx)), y = singleton(b(f, ctx));
        if (x === undefined || y === undefined) return EMPTY;
        if (typeof x.v === 'string' && typeof y.v === 'string' && !isDate(x) && !isDate(y)) return [{ v: x.v + y.v, t: 'System.String' }];
        if (typeof x.v === 'number' && typeof y.v === 'number' && x.t === 'System.Integer' && y.t === 'System.Integer') return [{ v: x.v + y.v, t: 'System.Integer' }];
        return bail();
      };
      return unsupported(`additive ${n.text}`);
    }
    case 'TypeExpression': {
      const a = compileNode(kid(n, 0));
      const T = typeSpecifier(kid(n, 1));
      if (n.text === 'is') return (f, ctx) => {
        const x = singleton(a(f, ctx));
        return x === undefined ? EMPTY : bool(isType(x, T));
      };
      if (n.text === 'as') return (f, ctx) => {
        const x = singleton(a(f, ctx));
        return x !== undefined && isType(x, T) ? [x] : EMPTY;
      };
      return unsupported(`type op ${n.text}`);
    }
    case 'IndexerExpression': {
      const a = compileNode(kid(n, 0)), idx = compileNode(kid(n, 1));
      return (f, ctx) => {
        const i = singleton(idx(f, ctx));
        if (i === undefined || typeof i.v !== 'number') return bail();
        const c = a(f, ctx)[i.v];
        return c ? [c] : EMPTY;
      };
    }
    default:
      return unsupported(n.type);
  }
}

function compileLiteral(n: Node): Fn {
  switch (n.type) {
    case 'StringLiteral': {
      const c: Coll = [{ v: unquote(n.text ?? "''"), t: 'System.String' }];
      return () => c;
    }
    case 'NumberLiteral': {
      const text = n.text ?? '0';
      const c: Coll = [{ v: Number(text), t: text.includes('.') ? 'System.Decimal' : 'System.Integer' }];
      return () => c;
    }
    case 'BooleanLiteral': {
      const c = n.text === 'true' ? TRUE : FALSE;
      return () => c;
    }
    case 'NullLiteral':
      return () => EMPTY;
    default:
      return unsupported(n.type);
  }
}

function compileLogic(n: Node): Fn {
  const a = compileNode(kid(n, 0)), b = compileNode(kid(n, 1));
  switch (n.text) {
    case 'and':
      return (f, ctx) => {
        const x = toBool(a(f, ctx));
        if (x === false) return FALSE;
        const y = toBool(b(f, ctx));
        if (y === false) return FALSE;
        return x === true && y === true ? TRUE : EMPTY;
      };
    case 'or':
      return (f, ctx) => {
        const x = toBool(a(f, ctx));
        if (x === true) return TRUE;
        const y = toBool(b(f, ctx));
        if (y === true) return TRUE;
        return x === false && y === false ? FALSE : EMPTY;
      };
    case 'xor':
      return (f, ctx) => {
        const x = toBool(a(f, ctx)), y = toBool(b(f, ctx));
        return x === undefined || y === undefined ? EMPTY : bool(x !== y);
      };
    case 'implies':
      return (f, ctx) => {
        const x = toBool(a(f, ctx));
        if (x === false) return TRUE;
        const y = toBool(b(f, ctx));
        if (x === true) return bool(y);
        return y === true ? TRUE : EMPTY;
      };
    default:
      return unsupported(`logic ${n.text}`);
  }
}

/** A member access or function call, applied to `left` (or to the focus when leading). */
function compileInvocation(n: Node, left: Fn | undefined): Fn {
  const input: Fn = left ?? ((f) => f);
  switch (n.type) {
    case 'MemberInvocation': {
      const name = kid(n, 0).text ?? '';
      const id = name.startsWith('`') ? name.slice(1, -1) : name;
      if (!left && /^[A-Z]/.test(id)) {
        // A leading type name (`Patient.name`) selects the focus when it is of that type.
        return (f) => f.filter((it) => it.t === id);
      }
      const site: Site = { name: id, t: '', info: null };
      return (f, ctx) => nav(input(f, ctx), site);
    }
    case 'ThisInvocation':
      if (left) unsupported('$this after a dot');
      return (_f, ctx) => ctx.self;
    case 'FunctionInvocation':
      return compileFunction(kid(n, 0), input);
    default:
      return unsupported(n.type);
  }
}

/** Evaluate `fn` once per item with that item as focus and $this. */
function perItem(fn: Fn, it: Item, ctx: Ctx): Coll {
  const focus = [it];
  return fn(focus, { env: ctx.env, self: focus, root: ctx.root });
}

function compileFunction(fnNode: Node, input: Fn): Fn {
  const name = kid(fnNode, 0).text ?? '';
  const paramNodes = fnNode.children?.[1]?.children ?? [];
  const params = (): Fn[] => paramNodes.map(compileNode);
  const arity = (min: number, max = min): void => {
    if (paramNodes.length < min || paramNodes.length > max) unsupported(`${name}/${paramNodes.length}`);
  };
  // Parameters of non-iterating functions are evaluated against the enclosing $this.
  const arg = (p: Fn, ctx: Ctx): Coll => p(ctx.self, ctx);
  switch (name) {
    case 'exists': {
      arity(0, 1);
      if (paramNodes.length === 0) return (f, ctx) => bool(input(f, ctx).length > 0);
      const [crit] = params() as [Fn];
      return (f, ctx) => bool(input(f, ctx).some((it) => toBool(perItem(crit, it, ctx)) === true));
    }
    case 'empty':
      arity(0);
      return (f, ctx) => bool(input(f, ctx).length === 0);
    case 'not':
      arity(0);
      return (f, ctx) => {
        const b = toBool(input(f, ctx));
        return b === undefined ? EMPTY : bool(!b);
      };
    case 'count':
      arity(0);
      return (f, ctx) => [{ v: input(f, ctx).length, t: 'System.Integer' }];
    case 'where': {
      arity(1);
      const [crit] = params() as [Fn];
      return (f, ctx) => input(f, ctx).filter((it) => toBool(perItem(crit, it, ctx)) === true);
    }
    case 'all': {
      arity(1);
      const [crit] = params() as [Fn];
      return (f, ctx) => bool(input(f, ctx).every((it) => toBool(perItem(crit, it, ctx)) === true));
    }
    case 'select': {
      arity(1);
      const [proj] = params() as [Fn];
      return (f, ctx) => input(f, ctx).flatMap((it) => perItem(proj, it, ctx));
    }
    case 'first':
      arity(0);
      return (f, ctx) => input(f, ctx).slice(0, 1);
    case 'last':
      arity(0);
      return (f, ctx) => input(f, ctx).slice(-1);
    case 'tail':
      arity(0);
      return (f, ctx) => input(f, ctx).slice(1);
    case 'isDistinct':
      arity(0);
      return (f, ctx) => {
        const c = input(f, ctx);
        for (let i = 0; i < c.length; i++) for (let j = i + 1; j < c.length; j++) if (itemEqual(c[i]!, c[j]!)) return FALSE;
        return TRUE;
      };
    case 'hasValue':
      arity(0);
      return (f, ctx) => {
        const c = input(f, ctx);
        return bool(c.length === 1 && typeof c[0]!.v !== 'object');
      };
    case 'trace':
      arity(1, 2);
      return input;
    case 'matches': {
      arity(1);
      const source = literalString(paramNodes[0]!);
      if (source === undefined) unsupported('matches with a computed regex');
      let re: RegExp;
      try {
        re = regex(source);
      } catch {
        unsupported('regex not valid in JS');
      }
      return (f, ctx) => {
        const s = str(input(f, ctx));
        return s === undefined ? EMPTY : bool(re.test(s));
      };
    }
    case 'startsWith':
    case 'endsWith':
    case 'contains': {
      arity(1);
      const [p] = params() as [Fn];
      return (f, ctx) => {
        const s = str(input(f, ctx));
        const q = str(arg(p, ctx));
        if (s === undefined || q === undefined) return EMPTY;
        return bool(name === 'startsWith' ? s.startsWith(q) : name === 'endsWith' ? s.endsWith(q) : s.includes(q));
      };
    }
    case 'length':
      arity(0);
      return (f, ctx) => {
        const s = str(input(f, ctx));
        return s === undefined ? EMPTY : [{ v: s.length, t: 'System.Integer' }];
      };
    case 'substring': {
      arity(1, 2);
      const [start, len] = params() as [Fn, Fn | undefined];
      return (f, ctx) => {
        const s = str(input(f, ctx));
        const a = singleton(arg(start, ctx));
        if (s === undefined || a === undefined || typeof a.v !== 'number') return EMPTY;
        if (a.v < 0 || a.v >= s.length) return EMPTY;
        if (!len) return [{ v: s.slice(a.v), t: 'System.String' }];
        const l = singleton(arg(len, ctx));
        if (l === undefined || typeof l.v !== 'number') return bail();
        return [{ v: s.substr(a.v, l.v), t: 'System.String' }];
      };
    }
    case 'iif': {
      arity(2, 3);
      const [cond, yes, no] = params() as [Fn, Fn, Fn | undefined];
      return (f, ctx) => {
        const c = input(f, ctx);
        if (c.length > 1) bail();
        const inner: Ctx = { env: ctx.env, self: c, root: ctx.root };
        return toBool(cond(c, inner)) === true ? yes(c, inner) : no ? no(c, inner) : EMPTY;
      };
    }
    case 'ofType':
    case 'as':
    case 'is': {
      arity(1);
      const T = typeSpecifier(paramNodes[0]!);
      if (name === 'ofType') return (f, ctx) => input(f, ctx).filter((it) => isType(it, T));
      if (name === 'as') return (f, ctx) => {
        const x = singleton(input(f, ctx));
        return x !== undefined && isType(x, T) ? [x] : EMPTY;
      };
      return (f, ctx) => {
        const x = singleton(input(f, ctx));
        return x === undefined ? EMPTY : bool(isType(x, T));
      };
    }
    case 'combine': {
      arity(1);
      const [p] = params() as [Fn];
      return (f, ctx) => [...input(f, ctx), ...arg(p, ctx)];
    }
    case 'intersect': {
      arity(1);
      const [p] = params() as [Fn];
      return (f, ctx) => {
        const other = arg(p, ctx);
        const out: Coll = [];
        for (const it of input(f, ctx)) if (contains(other, it) && !contains(out, it)) out.push(it);
        return out;
      };
    }
    case 'descendants':
      arity(0);
      return (f, ctx) => descendants(input(f, ctx));
    case 'allFalse':
      arity(0);
      return (f, ctx) => bool(input(f, ctx).every((it) => it.v === false));
    case 'allTrue':
      arity(0);
      return (f, ctx) => bool(input(f, ctx).every((it) => it.v === true));
    case 'toInteger':
      arity(0);
      return (f, ctx) => {
        const x = singleton(input(f, ctx));
        if (x === undefined) return EMPTY;
        if (typeof x.v === 'number' && Number.isInteger(x.v)) return [{ v: x.v, t: 'System.Integer' }];
        if (typeof x.v === 'string' && /^[+-]?\d+$/.test(x.v)) return [{ v: Number(x.v), t: 'System.Integer' }];
        if (typeof x.v === 'boolean') return [{ v: x.v ? 1 : 0, t: 'System.Integer' }];
        return EMPTY;
      };
    default:
      return unsupported(`function ${name}()`);
  }
}

// ---- presence guard

const ITERATING = new Set(['where', 'all', 'select', 'exists', 'repeat', 'aggregate']);

/**
 * The element names an expression reads from its focus at the top level, or null when it also
 * depends on the focus in ways this analysis does not follow ($this, %resource, a function
 * applied to the focus itself...). Names inside where/all/select/exists criteria are relative to
 * the items they iterate, which exist only if a top-level name is present, so they do not count.
 */
function rootNames(n: Node, out: Set<string>, atRoot: boolean): boolean {
  switch (n.type) {
    case 'InvocationTerm': {
      const first = kid(n, 0);
      if (!atRoot) return first.type !== 'FunctionInvocation' || functionParams(first, out, false);
      if (first.type === 'MemberInvocation') {
        const name = kid(first, 0).text ?? '';
        if (/^[A-Z`]/.test(name)) return false;
        out.add(name);
        return true;
      }
      return false; // $this or a function applied to the focus itself
    }
    case 'ExternalConstantTerm': {
      const id = kid(kid(n, 0), 0).text ?? '';
      return id === 'ucum' || !atRoot;
    }
    case 'InvocationExpression': {
      if (!rootNames(kid(n, 0), out, atRoot)) return false;
      const right = kid(n, 1);
      return right.type !== 'FunctionInvocation' || functionParams(right, out, atRoot);
    }
    default:
      for (const c of n.children ?? []) if (!rootNames(c, out, atRoot)) return false;
      return true;
  }
}

function functionParams(fnInvocation: Node, out: Set<string>, atRoot: boolean): boolean {
  const functn = kid(fnInvocation, 0);
  const name = kid(functn, 0).text ?? '';
  const params = functn.children?.[1]?.children ?? [];
  if (name === 'iif') return false; // its criterion runs on the input collection
  const scope = ITERATING.has(name) ? false : atRoot;
  for (const p of params) if (!rootNames(p, out, scope)) return false;
  return true;
}

/** JSON keys whose absence makes all `names` absent under type `t`; null if unknown. */
function guardKeys(t: string, names: Set<string>): string[] | null {
  const keys: string[] = [];
  for (const name of names) {
    const info = childInfo(t, name);
    if (!info) return null;
    for (const c of info.children) keys.push(c.key, `_${c.key}`);
  }
  return keys;
}

// ---- entry point

export type Evaluator = (value: unknown, env: Record<string, unknown>) => unknown[];

export interface CrossCheckMismatch {
  base: string;
  expression: string;
  fast: unknown;
  reference: unknown;
}

let crossCheck: CrossCheckMismatch[] | undefined;

/** Tests: evaluate every expression both ways and collect disagreements (undefined = off). */
export function setCrossCheck(on: boolean): CrossCheckMismatch[] | undefined {
  crossCheck = on ? [] : undefined;
  return crossCheck;
}

export const fastPathStats = { compiled: 0, fallbackCompile: 0, bailouts: 0, guarded: 0, slowExpressions: new Map<string, number>() };

/** The type key of the focus at `base` (`Patient`, `Patient.contact`, `Period`). */
function baseType(base: string): string | undefined {
  if (!base.includes('.')) return base;
  if (model.choiceTypePaths[base]) return undefined; // the variant decides: leave to fhirpath.js
  const elsewhere = model.pathsDefinedElsewhere[base];
  if (elsewhere) return elsewhere;
  const t = model.path2Type[base];
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
  type Compiled = ReturnType<typeof fhirpath.compile>;
  let reference: Compiled | undefined;
  const compileReference = (): Compiled => (reference ??= fhirpath.compile({ base, expression }, r4model as never, { traceFn: () => {} }));
  const slow: Evaluator = (value, env) => compileReference()(value, env as never) as unknown[];
  const t = baseType(base);
  let fast: Fn | undefined;
  let ast: Node | undefined;
  if (t !== undefined) {
    try {
      ast = fhirpath.parse(expression) as Node;
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
        if (crossCheck) {
          const ref = slow(value, env);
          if (JSON.stringify(ref) !== JSON.stringify(absentResult)) crossCheck.push({ base, expression, fast: `guard: ${JSON.stringify(absentResult)}`, reference: ref });
        }
        return absentResult.slice();
      }
    }
    let out: unknown[];
    try {
      const root = [mk(value, t!)];
      out = f(root, { env, self: root, root }).map((i) => i.v);
    } catch (e) {
      if (e instanceof FhirpathTypeError) {
        if (crossCheck) {
          let threw = false;
          try {
            slow(value, env);
          } catch {
            threw = true;
          }
          if (!threw) crossCheck.push({ base, expression, fast: `threw ${e.message}`, reference: 'did not throw' });
        }
        throw e;
      }
      if (e !== BAIL && crossCheck) crossCheck.push({ base, expression, fast: `threw ${(e as Error).message}`, reference: 'n/a' });
      fastPathStats.bailouts++;
      const key = `${base}: ${expression} (bail)`;
      fastPathStats.slowExpressions.set(key, (fastPathStats.slowExpressions.get(key) ?? 0) + 1);
      return slow(value, env);
    }
    if (crossCheck) {
      let ref: unknown;
      try {
        ref = slow(value, env);
      } catch (e) {
        ref = `threw ${(e as Error)?.message}`;
      }
      if (JSON.stringify(ref) !== JSON.stringify(out)) crossCheck.push({ base, expression, fast: out, reference: ref });
    }
    return out;
  };
}
