/**
 * Invariants read natively inside a generated checker. There the object has just been proved
 * clean by its shape (every key known, no `_x` part, no null, no empty array, every complex
 * value non-empty, each primitive of its JSON kind), so an element's presence is the presence of
 * its key, and the invariants the profiles put on nearly every element can be read without the
 * FHIRPath evaluator: boolean combinations (and, or, xor, implies, not()) of `path.exists()`,
 * `path.empty()`, `name = 'text'` and `name.contains('text')`, in FHIRPath's three-valued logic
 * (`null` for an empty result). A path through a repeating or resource element is read only when
 * its first step is absent; otherwise (and for every other expression) the result is `undefined`
 * and the walker's evaluateConstraints evaluates it as it always does.
 */
import type { ElementRule, Shape } from '../compile.js';

type Node =
  /** `opaque`: the path goes on through where()/select(), read only when its first step is absent. */
  | { k: 'exists' | 'empty'; path: string[]; opaque: boolean }
  | { k: 'eq'; path: string[]; value: string; negate: boolean }
  | { k: 'contains'; path: string[]; value: string }
  | { k: 'not'; a: Node }
  | { k: 'and' | 'or' | 'xor' | 'implies'; a: Node; b: Node };

/** FHIRPath's tokens; those the subset does not use only ever appear inside a where()/select() it skips. */
const TOKEN = /\s+|'(?:[^'\\]|\\.)*'|`[^`]+`|[%$]?[A-Za-z_][A-Za-z0-9_]*|@[0-9T:.+\-Z]+|[0-9]+(?:\.[0-9]+)?|!=|!~|<=|>=|[().=<>+\-*/|&,~[\]{}]/y;

function tokens(expression: string): string[] | undefined {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(expression);
    if (!m || m.index !== at) return undefined;
    if (!/^\s/.test(m[0])) out.push(m[0]);
  }
  return out;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$|^`[^`]+`$/;
const KEYWORDS = new Set(['and', 'or', 'xor', 'implies', 'not', 'exists', 'empty', 'contains', 'true', 'false', 'div', 'mod', 'is', 'as', 'in']);

/** The expression's tree in the supported subset, or undefined. */
export function parseInvariant(expression: string): Node | undefined {
  const t = tokens(expression);
  if (!t) return undefined;
  let i = 0;
  const peek = (): string | undefined => t[i];
  const eat = (s: string): boolean => (t[i] === s ? (i++, true) : false);
  const str = (): string | undefined => {
    const s = t[i];
    if (s === undefined || !s.startsWith("'") || s.includes('\\')) return undefined;
    i++;
    return s.slice(1, -1);
  };
  const implies = (): Node | undefined => {
    let a = orx();
    while (a && peek() === 'implies') {
      i++;
      const b = orx();
      a = b && { k: 'implies', a, b };
    }
    return a;
  };
  const orx = (): Node | undefined => {
    let a = andx();
    while (a && (peek() === 'or' || peek() === 'xor')) {
      const k = t[i++] as 'or' | 'xor';
      const b = andx();
      a = b && { k, a, b };
    }
    return a;
  };
  const andx = (): Node | undefined => {
    let a = post();
    while (a && peek() === 'and') {
      i++;
      const b = post();
      a = b && { k: 'and', a, b };
    }
    return a;
  };
  const post = (): Node | undefined => {
    let a = primary();
    while (a && peek() === '.' && t[i + 1] === 'not' && t[i + 2] === '(' && t[i + 3] === ')') {
      i += 4;
      a = { k: 'not', a };
    }
    return a;
  };
  const primary = (): Node | undefined => {
    if (eat('(')) {
      const a = implies();
      return a && eat(')') ? a : undefined;
    }
    const path: string[] = [];
    let opaque = false;
    for (;;) {
      const n = peek();
      if (n === undefined || !NAME.test(n) || KEYWORDS.has(n)) return undefined;
      i++;
      if (!opaque) path.push(n.startsWith('`') ? n.slice(1, -1) : n);
      // where(...) and select(...): on an empty collection their argument is never evaluated.
      while (peek() === '.' && (t[i + 1] === 'where' || t[i + 1] === 'select') && t[i + 2] === '(') {
        i += 3;
        let depth = 1;
        while (i < t.length && depth > 0) {
          if (t[i] === '(') depth++;
          else if (t[i] === ')') depth--;
          i++;
        }
        if (depth !== 0) return undefined;
        opaque = true;
      }
      if (peek() !== '.') break;
      const next = t[i + 1];
      if (next === 'exists' || next === 'empty') {
        i += 2;
        return eat('(') && eat(')') ? { k: next, path, opaque } : undefined;
      }
      if (next === 'contains' && !opaque) {
        i += 2;
        if (!eat('(')) return undefined;
        const value = str();
        return value !== undefined && eat(')') ? { k: 'contains', path, value } : undefined;
      }
      if (next === 'not') break;
      i++;
    }
    if (opaque) return undefined;
    if (peek() === '=' || peek() === '!=') {
      const negate = t[i++] === '!=';
      const value = str();
      return value !== undefined ? { k: 'eq', path, value, negate } : undefined;
    }
    return undefined;
  };
  const tree = implies();
  return tree && i === t.length ? tree : undefined;
}

/** The rule of `name` (an element, or the stem of a choice) in a shape. */
function ruleNamed(shape: Shape, name: string): ElementRule | undefined {
  for (const r of shape.rules) if (r.display === name) return r;
  return undefined;
}

/** JS expression: the JSON value `o` has the rule's element (any variant of a choice). */
function hasKey(o: string, rule: ElementRule): string {
  return `(${[...rule.variants.keys()].map((k) => `${o}[${JSON.stringify(k)}] !== undefined`).join(' || ')})`;
}

/**
 * JS expression for `path.exists()` on `o` (a clean object of `shape`): true, false, or
 * `undefined` when it cannot be read here (`sure`: never undefined). Undefined (the JS value) at
 * generation: unsupported. A repeating complex step is read item by item (each item is clean).
 */
function presence(o: string, shape: Shape, path: string[], depth = 0): { code: string; sure: boolean } | undefined {
  const rule = ruleNamed(shape, path[0]!);
  if (!rule) return undefined;
  if (path.length === 1) return { code: hasKey(o, rule), sure: true };
  const t = rule.single;
  if (rule.choice || !t) return undefined;
  const key = JSON.stringify(rule.name);
  const unsure = { code: `(${hasKey(o, rule)} ? undefined : false)`, sure: false };
  if (t.resource || t.primitive || !t.shape) return unsure;
  if (rule.array) {
    const x = `x${depth}`;
    const rest = presence(x, t.shape(), path.slice(1), depth + 1);
    if (!rest?.sure) return unsure;
    return { code: `(${o}[${key}] === undefined ? false : N.some(${o}[${key}], (${x}) => ${rest.code}))`, sure: true };
  }
  const rest = presence(`${o}[${key}]`, t.shape(), path.slice(1), depth);
  return rest && { code: `(${o}[${key}] === undefined ? false : ${rest.code})`, sure: rest.sure };
}

/** `path.exists()`, or for a path through where()/select() only its first step's absence. */
function existsCode(o: string, shape: Shape, path: string[], opaque: boolean): string | undefined {
  if (!opaque) return presence(o, shape, path)?.code;
  const rule = ruleNamed(shape, path[0]!);
  return rule && `(${hasKey(o, rule)} ? undefined : false)`;
}

/**
 * Primitives FHIRPath reads as System.String (dates and times are not: `issued = '2024...'`
 * compares an instant with a string, which is false whatever the text).
 */
const STRINGS = new Set(['string', 'code', 'id', 'markdown', 'uri', 'url', 'canonical']);

/** JS expression for a single string primitive child `path[0]` of `o`: its value, or null when absent. */
function stringValue(o: string, shape: Shape, path: string[]): string | undefined {
  if (path.length !== 1) return undefined;
  const rule = ruleNamed(shape, path[0]!);
  const type = rule?.single?.primitive?.type;
  if (!rule || rule.choice || rule.array || type === undefined || !STRINGS.has(type)) return undefined;
  const key = JSON.stringify(rule.name);
  return `(${o}[${key}] === undefined ? null : ${o}[${key}])`;
}

/**
 * A JS expression for `node` on the clean object `o` of `shape`, valued true, false, null
 * (FHIRPath's empty) or undefined (not readable here: the walker evaluates the invariant). The
 * logic helpers are the `N` of the generated source (see LOGIC).
 */
export function invariantCode(node: Node, o: string, shape: Shape): string | undefined {
  switch (node.k) {
    case 'exists': return existsCode(o, shape, node.path, node.opaque);
    case 'empty': {
      const p = existsCode(o, shape, node.path, node.opaque);
      return p === undefined ? undefined : `N.not(${p})`;
    }
    case 'eq': {
      const v = stringValue(o, shape, node.path);
      return v === undefined ? undefined : `N.eq(${v}, ${JSON.stringify(node.value)}, ${node.negate})`;
    }
    case 'contains': {
      const v = stringValue(o, shape, node.path);
      return v === undefined ? undefined : `N.contains(${v}, ${JSON.stringify(node.value)})`;
    }
    case 'not': {
      const a = invariantCode(node.a, o, shape);
      return a === undefined ? undefined : `N.not(${a})`;
    }
    default: {
      const a = invariantCode(node.a, o, shape);
      const b = invariantCode(node.b, o, shape);
      return a === undefined || b === undefined ? undefined : `N.${node.k}(${a}, ${b})`;
    }
  }
}

type Tri = boolean | null | undefined;

/** FHIRPath's three-valued logic (null: empty), with undefined (unknown) taking over. */
export const LOGIC = {
  not: (a: Tri): Tri => (a === undefined || a === null ? a : !a),
  and: (a: Tri, b: Tri): Tri => (a === undefined || b === undefined ? undefined : a === false || b === false ? false : a === true && b === true ? true : null),
  or: (a: Tri, b: Tri): Tri => (a === undefined || b === undefined ? undefined : a === true || b === true ? true : a === false && b === false ? false : null),
  xor: (a: Tri, b: Tri): Tri => (a === undefined || b === undefined ? undefined : a === null || b === null ? null : a !== b),
  implies: (a: Tri, b: Tri): Tri => (a === undefined || b === undefined ? undefined : a === false ? true : a === true ? b : b === true ? true : null),
  eq: (v: string | null, lit: string, negate: boolean): Tri => (v === null ? null : (v === lit) !== negate),
  contains: (v: string | null, lit: string): Tri => (v === null ? null : v.includes(lit)),
  some: (items: Record<string, unknown>[], f: (x: Record<string, unknown>) => boolean): boolean => {
    for (let i = 0; i < items.length; i++) if (f(items[i]!)) return true;
    return false;
  },
};
