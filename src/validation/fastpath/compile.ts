/**
 * The compiler: fhirpath.js's parse tree into JS closures over collections, for the subset of
 * FHIRPath the R4 invariants use (anything else throws Unsupported at compile time).
 */
import { type Coll, type Ctx, type Fn, type Item, MALFORMED_DATE, bail } from './core.js';
import { type Site, childInfo, descendants, mk, nav, navCount } from './model.js';
import { EMPTY, FALSE, TRUE, bool, collEqual, compare, contains, distinctUnion, isDate, isType, itemEqual, singleton, str, toBool } from './values.js';

// ---- compiler over fhirpath.js's parse tree

export interface Node {
  type: string;
  text?: string;
  terminalNodeText?: string[];
  children?: Node[];
}

export class Unsupported extends Error {}
export function unsupported(what: string): never {
  throw new Unsupported(what);
}

export function kid(n: Node, i: number): Node {
  const c = n.children?.[i];
  if (!c) unsupported(`${n.type} without child ${i}`);
  return c;
}

export function unquote(s: string): string {
  const body = s.slice(1, -1);
  return body.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    if (e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', f: '\f' } as Record<string, string>)[e] ?? e;
  });
}

export const regexCache = new Map<string, RegExp>();
export function regex(source: string): RegExp {
  let re = regexCache.get(source);
  if (!re) {
    re = new RegExp(source, 'us'); // fhirpath.js: unicode + dotAll
    regexCache.set(source, re);
  }
  return re;
}

/** A compiled parameter that must be a string literal (regexes). */
export function literalString(n: Node): string | undefined {
  let cur: Node | undefined = n;
  while (cur && (cur.type === 'TermExpression' || cur.type === 'LiteralTerm') && cur.children?.length === 1) cur = cur.children[0];
  return cur?.type === 'StringLiteral' && cur.text ? unquote(cur.text) : undefined;
}

export function typeSpecifier(n: Node): string {
  // ofType(Quantity) parses as a member invocation; `is Quantity` as a TypeSpecifier.
  const text = n.text ?? '';
  if (!/^[A-Za-z][A-Za-z0-9.]*$/.test(text)) unsupported(`type ${text}`);
  return text;
}

export function compileNode(n: Node): Fn {
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

export function compileLiteral(n: Node): Fn {
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

export function compileLogic(n: Node): Fn {
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

/**
 * Compiled member accesses (`name`, `x.name`) with their input and site: exists() and empty()
 * applied to one count the items instead of making them (navCount).
 */
const members = new WeakMap<Fn, { input: Fn; site: Site }>();

/** A member access or function call, applied to `left` (or to the focus when leading). */
export function compileInvocation(n: Node, left: Fn | undefined): Fn {
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
      const member: Fn = (f, ctx) => nav(input(f, ctx), site);
      members.set(member, { input, site });
      return member;
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
export function perItem(fn: Fn, it: Item, ctx: Ctx): Coll {
  const focus = [it];
  return fn(focus, { env: ctx.env, self: focus, root: ctx.root });
}

export function compileFunction(fnNode: Node, input: Fn): Fn {
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
      const m = members.get(input);
      if (paramNodes.length === 0 && m) return (f, ctx) => bool(navCount(m.input(f, ctx), m.site) > 0);
      if (paramNodes.length === 0) return (f, ctx) => bool(input(f, ctx).length > 0);
      const [crit] = params() as [Fn];
      return (f, ctx) => bool(input(f, ctx).some((it) => toBool(perItem(crit, it, ctx)) === true));
    }
    case 'empty': {
      arity(0);
      const m = members.get(input);
      if (m) return (f, ctx) => bool(navCount(m.input(f, ctx), m.site) === 0);
      return (f, ctx) => bool(input(f, ctx).length === 0);
    }
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
        // Plain strings (bdl-7's fullUrl & versionId over every entry) are equal exactly when
        // itemEqual says so (===): one Set instead of comparing every pair, which made a Bundle
        // of 10,000 entries quadratic. Anything else (dates, numbers, objects) compares pairwise.
        if (c.length > 8 && c.every((it) => typeof it.v === 'string' && it.t !== 'time' && it.t !== MALFORMED_DATE && !isDate(it))) {
          const seen = new Set<string>();
          for (const it of c) {
            if (seen.has(it.v as string)) return FALSE;
            seen.add(it.v as string);
          }
          return TRUE;
        }
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

