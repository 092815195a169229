/**
 * The source of one Shape's specialised checker: a function `(obj, path, ctx) => boolean` that
 * walks an object as walkObject (walk.ts) does, with the shape's rules written into the code
 * (its keys by index, each element's cardinality, JSON kind and regex, the child shapes' checkers
 * called directly), so the walk reads no ElementRule/TypeRef per element.
 *
 * It only ever says "the walker would report nothing of its own here": whatever the walker would
 * report itself (an unknown key, a bad primitive, a missing required element, an array where a
 * single value goes...) makes it return false, and the whole resource is walked again by the
 * walker (see index.ts). The parts that report through helpers (bindings, code systems, reference
 * targets, invariants, slices, extensions, nested resources) are the walker's own functions,
 * called with the same arguments at the same point of the walk as the walker calls them, so the
 * issues they add are the walker's, in the walker's order.
 */
import type { ElementRule, Shape, TypeRef } from '../compile.js';
import type { PrimitiveRule } from '../primitives.js';
import { expandValueSet } from '../terminology.js';
import { MAX_DEPTH } from '../walk.js';
import { NATIVE_FUNCTIONS, resolveConstraint, type Constraint } from '../invariants.js';
import { invariantCode, parseInvariant } from './invariants.js';

/** One shape's checker, built on its first call (recursive types: Extension.extension). */
export interface Entry {
  f: (obj: Record<string, unknown>, path: unknown, ctx: unknown) => boolean;
  /** A resource shape: how many resources the walker has walked before its checker is built (see walkFast). */
  uses: number;
}

/** Constants the generated source refers to by name (`c0`, `c1`...), bound once per shape. */
class Consts {
  readonly values: unknown[] = [];
  private readonly index = new Map<unknown, string>();
  ref(v: unknown): string {
    let name = this.index.get(v);
    if (name === undefined) {
      name = `c${this.values.length}`;
      this.values.push(v);
      this.index.set(v, name);
    }
    return name;
  }
}

/** What the generator needs from outside: the entry of another shape's checker. */
export type EntryOf = (shape: Shape, isResource: boolean) => Entry;

/**
 * Strings a primitive rule has accepted (its regex and check), by rule: the same system URIs,
 * codes, units and times come back on every resource and message, and a Set lookup costs a
 * fraction of the regex (^\S+$ on a 60-character URI was 4% of an ORU's validation). A rule's
 * regex (no g or y flag) and check are pure, so an accepted string stays accepted. Bounded:
 * emptied when full, and only short strings are kept. Only for the elements whose values repeat
 * (codes, times, a coding's or identifier's system, meta.profile): a resource's id, an entry's
 * fullUrl (urn:uuid) or request.url are new on every message in real traffic, and remembering
 * them would add a miss and an insertion to each and push the repeating ones out.
 */
const accepted = new Map<PrimitiveRule, Set<string>>();
const ACCEPTED_MAX = 512;
const ACCEPTED_LENGTH = 128;

const REMEMBERED_TYPES = new Set(['code', 'date', 'dateTime', 'instant', 'time']);
const REMEMBERED_URIS = new Set(['system', 'profile']);

/** The memory of `rule`'s accepted strings for an element at `path`, or undefined where not remembered. */
function acceptedSet(rule: PrimitiveRule, path: string): Set<string> | undefined {
  if (rule.json !== 'string' || !rule.regex || rule.regex.global || rule.regex.sticky) return undefined;
  const uri = rule.type === 'uri' || rule.type === 'canonical' || rule.type === 'url';
  if (!REMEMBERED_TYPES.has(rule.type) && !(uri && REMEMBERED_URIS.has(path.slice(path.lastIndexOf('.') + 1)))) return undefined;
  let set = accepted.get(rule);
  if (set === undefined) accepted.set(rule, (set = new Set()));
  return set;
}

/** A string not yet remembered for `rule`: its regex and check, and remembered when they accept it. */
export function acceptText(set: Set<string>, rule: PrimitiveRule, v: string): boolean {
  if (!rule.regex!.test(v)) return false;
  if (rule.check !== undefined && rule.check(v) !== undefined) return false;
  if (v.length <= ACCEPTED_LENGTH) {
    if (set.size >= ACCEPTED_MAX) set.clear();
    set.add(v);
  }
  return true;
}

/** A JavaScript expression: true when the walker's checkPrimitive would accept `v`. */
function primitiveTest(t: TypeRef, path: string, v: string, k: Consts): string {
  const p = t.primitive!;
  const parts = [`typeof ${v} === '${p.json}'`];
  if (p.json === 'string') parts.push(`${v} !== ''`);
  const set = acceptedSet(p, path);
  if (set !== undefined) {
    parts.push(`(${k.ref(set)}.has(${v}) || H.acceptText(${k.ref(set)}, ${k.ref(p)}, ${v}))`);
    return parts.join(' && ');
  }
  if (p.regex) parts.push(`${k.ref(p.regex)}.test(${v})`);
  if (p.check) parts.push(`${k.ref(p.check)}(${v}) === undefined`);
  return parts.join(' && ');
}

/**
 * The code that evaluates `cons` on the clean object `o` of `shape` at `where`, as the walker's
 * evaluateConstraints does, in its order: those invariants.ts can read natively from the keys
 * (generated/invariants.ts), the others through evaluateConstraints itself. A native failure of
 * an information rule adds the walker's issue; of any other, the walker is left to report it.
 */
function constraintsCode(cons: readonly Constraint[], o: string, shape: Shape | undefined, where: string, k: Consts): string {
  let out = '';
  let pending: Constraint[] = [];
  const flush = (): void => {
    if (pending.length) out += `H.evaluateConstraints(${k.ref(pending)}, ${o}, ${where}, ctx);\n`;
    pending = [];
  };
  for (const c of cons) {
    if (c.native) continue;
    resolveConstraint(c);
    if (c.check !== undefined && c.check === NATIVE_FUNCTIONS['ref-1']) {
      // ref-1 holds at once unless the reference is local (`#...`).
      flush();
      out += `{ const ref = ${o}.reference; if (typeof ref === 'string' && ref.charCodeAt(0) === 35) H.evaluateConstraints(${k.ref([c])}, ${o}, ${where}, ctx); }\n`;
      continue;
    }
    if (c.check !== undefined && c.check === NATIVE_FUNCTIONS['dom-3']) {
      // dom-3 holds at once without contained resources.
      flush();
      out += `if (${o}.contained !== undefined) H.evaluateConstraints(${k.ref([c])}, ${o}, ${where}, ctx);\n`;
      continue;
    }
    const tree = shape && c.check === undefined && c.notChecked === undefined && c.evaluate !== undefined ? parseInvariant(c.expression) : undefined;
    const code = tree && invariantCode(tree, o, shape!);
    if (code === undefined) {
      pending.push(c);
      continue;
    }
    flush();
    const fail = c.severity === 'information' ? `H.invariantFailed(${k.ref(c)}, ${where}, ctx);` : 'return false;';
    out += `{ const r = ${code}; if (r === undefined) H.evaluateConstraints(${k.ref([c])}, ${o}, ${where}, ctx); else if (r !== true) ${fail} }\n`;
  }
  flush();
  return out;
}

/**
 * The code for one value `v` of `rule` (typed `t`) at `parent`.`key` (key: an expression), as
 * walkValue checks it. Anything the walker would report itself: `return false`.
 */
function valueCode(rule: ElementRule, t: TypeRef, v: string, parent: string, key: string, k: Consts, entryOf: EntryOf, depth: number): string {
  const R = k.ref(rule), T = k.ref(t);
  const cons = t.constraints ?? rule.constraints;
  if (t.primitive) {
    let out = `if (!(${primitiveTest(t, rule.path, v, k)})) return false;\n`;
    const fixed = rule.fixed !== undefined || rule.pattern !== undefined;
    const limits = rule.maxLength !== undefined || rule.minValue !== undefined || rule.maxValue !== undefined;
    if (!fixed && !limits && cons.length === 0 && rule.binding !== undefined && t.primitive.json === 'string') {
      // A required binding on a code: the expansion's Set, made now rather than on first use.
      const b = rule.binding;
      const exp = (b.expansion ??= expandValueSet(b.valueSet));
      if (exp.ok) return out + `if (!${k.ref(exp.expansion.all)}.has(${v})) return false;\n`;
    }
    if (fixed || limits || cons.length || rule.binding !== undefined) out += `H.walkValue(${v}, ${R}, ${T}, ${parent}, ${key}, ctx);\n`;
    return out;
  }
  if (t.resource || !t.shape) return `H.walkValue(${v}, ${R}, ${T}, ${parent}, ${key}, ctx);\n`;
  const child = k.ref(entryOf(t.shape(), false));
  const w = `w${depth}`;
  let out = `if (typeof ${v} !== 'object' || ${v} === null || Array.isArray(${v})) return false;\n`;
  out += `const ${w} = { p: ${parent}, k: ${key}, str: undefined };\n`;
  out += `{ const sp = ctx.ownerPath, st = ctx.ownerType; ctx.ownerPath = ${JSON.stringify(rule.path)}; ctx.ownerType = ${JSON.stringify(t.code)};\n`;
  out += `if (!${child}.f(${v}, ${w}, ctx)) return false;\n`;
  out += `ctx.ownerPath = sp; ctx.ownerType = st; }\n`;
  if (t.code === 'Coding') out += `H.checkCodingSystem(${v}, ${w}, ctx);\n`;
  if (rule.isExtension) {
    // ext-1: nested extensions or a value[x], not both.
    out += `{ let hv = false; for (const x in ${v}) if (x.startsWith('value')) hv = true; if ((${v}.extension !== undefined) === hv) return false; }\n`;
  }
  if (rule.fixed !== undefined || rule.pattern !== undefined) out += `H.checkFixed(${v}, ${R}, ${w}, ctx);\n`;
  if (rule.binding) out += `H.checkBinding(${v}, ${JSON.stringify(t.code)}, ${R}, ${w}, ctx);\n`;
  if (t.code === 'Reference' && t.targets) out += `H.checkReference(${v}, ${T}, ${w}, ctx);\n`;
  if (cons.length) out += constraintsCode(cons, v, t.shape(), w, k);
  return out;
}

/** The code of the `case` for one JSON key of the shape. */
function keyCode(shape: Shape, key: string, rule: ElementRule, choiceBit: number, k: Consts, entryOf: EntryOf): string {
  const t = rule.variants.get(key)!;
  const R = k.ref(rule), T = k.ref(t);
  let out = '';
  if (rule.reqBit) out += `met |= ${rule.reqBit};\n`;
  if (rule.choice) out += `if ((seen & ${choiceBit}) !== 0) return false; seen |= ${choiceBit};\n`;
  const K = JSON.stringify(key);
  if (rule.array) {
    out += `if (!Array.isArray(v) || v.length === 0${Number.isFinite(rule.max) ? ` || v.length > ${rule.max}` : ''}) return false;\n`;
    out += `const where = { p: path, k: ${K}, str: undefined };\n`;
    if (rule.slices) return out + `if (!H.extensionSlices(v, ${R}, ${T}, where, ${k.ref(shape)}, ctx)) return false;\n`;
    if (rule.valueSlices) out += `H.countValueSlices(v, ${R}, where, ctx);\n`;
    out += `for (let i = 0; i < v.length; i++) {\nconst item = v[i];\n`;
    if (rule.isExtension) {
      out += `if (!H.extensionValue(item, ${R}, H.extensionType(item, ${T}, ${k.ref(shape)}, { p: where, k: i, str: undefined }, ctx), where, i, ctx)) return false;\n`;
    } else {
      out += valueCode(rule, t, 'item', 'where', 'i', k, entryOf, 1);
    }
    return out + '}\n';
  }
  if (rule.max === 0) return out + 'return false;\n';
  return out + valueCode(rule, t, 'v', 'path', K, k, entryOf, 0);
}

/**
 * The checker of one shape: its source and the constants it is bound to, or undefined when the
 * shape has more than 30 choice elements (then the walker's walkObject is used for it).
 */
export function shapeSource(shape: Shape, isResource: boolean, entryOf: EntryOf): { source: string; consts: unknown[] } | undefined {
  const k = new Consts();
  const keys = [...shape.elements.keys()];
  const index: Record<string, number> = Object.create(null) as Record<string, number>;
  keys.forEach((key, i) => (index[key] = i));
  const choiceBits = new Map<ElementRule, number>();
  for (const rule of shape.rules) if (rule.choice) choiceBits.set(rule, 1 << choiceBits.size);
  if (choiceBits.size > 30) return undefined;
  let body = `if (ctx.depth >= ${MAX_DEPTH}) return false;\nctx.depth++;\nlet met = 0, seen = 0, n = 0;\n`;
  if (!isResource) body += `if (typeof obj.id === 'string') H.checkElementId(obj.id, path, ctx);\n`;
  body += `for (const key in obj) {\nn++;\nconst v = obj[key];\nswitch (${k.ref(index)}[key]) {\n`;
  keys.forEach((key, i) => {
    const rule = shape.elements.get(key)!;
    body += `case ${i}: {\n${keyCode(shape, key, rule, choiceBits.get(rule) ?? 0, k, entryOf)}continue;\n}\n`;
  });
  body += `default:\n${isResource ? `if (key === 'resourceType') continue;\n` : ''}return false;\n}\n}\n`;
  // ele-1 (the walker checks it before walking an element): a value or children other than id.
  // A key whose value is undefined has already made the loop return false.
  if (!isResource) body += `if (n === 0 || (n === 1 && obj.id !== undefined)) return false;\n`;
  if (shape.sliceMins) body += `H.checkAbsentSlices(obj, ${k.ref(shape)}, path, ctx);\n`;
  for (const rule of shape.required) {
    if (rule.reqBit) body += `if ((met & ${rule.reqBit}) === 0) return false;\n`;
    else body += `if (${rule.presenceKeys.map((p) => `obj[${JSON.stringify(p)}] === undefined`).join(' && ') || 'true'}) return false;\n`;
    if (rule.min > 1 && rule.array) {
      const key = JSON.stringify(rule.presenceKeys[0]!);
      body += `if (!Array.isArray(obj[${key}]) || obj[${key}].length < ${rule.min}) return false;\n`;
    }
  }
  if (shape.constraints.length) body += constraintsCode(shape.constraints, 'obj', shape, 'path', k);
  body += 'ctx.depth--;\nreturn true;\n';
  const bind = k.values.map((_, i) => `const c${i} = K[${i}];`).join('\n');
  return { source: `${bind}\nreturn function check(obj, path, ctx) {\n${body}};`, consts: k.values };
}
