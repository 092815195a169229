/**
 * The presence guard: which JSON keys an expression reads at its root. When none is present the
 * result is the one on an empty focus, computed once at compile time (dom-2..dom-5 on a
 * resource without contained resources, per-1 on a Period without start...).
 */
import { childInfo } from './model.js';
import { kid, type Node } from './compile.js';

export const ITERATING = new Set(['where', 'all', 'select', 'exists', 'repeat', 'aggregate']);

/**
 * The element names an expression reads from its focus at the top level, or null when it also
 * depends on the focus in ways this analysis does not follow ($this, %resource, a function
 * applied to the focus itself...). Names inside where/all/select/exists criteria are relative to
 * the items they iterate, which exist only if a top-level name is present, so they do not count.
 */
export function rootNames(n: Node, out: Set<string>, atRoot: boolean): boolean {
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

export function functionParams(fnInvocation: Node, out: Set<string>, atRoot: boolean): boolean {
  const functn = kid(fnInvocation, 0);
  const name = kid(functn, 0).text ?? '';
  const params = functn.children?.[1]?.children ?? [];
  if (name === 'iif') return false; // its criterion runs on the input collection
  const scope = ITERATING.has(name) ? false : atRoot;
  for (const p of params) if (!rootNames(p, out, scope)) return false;
  return true;
}

/** JSON keys whose absence makes all `names` absent under type `t`; null if unknown. */
export function guardKeys(t: string, names: Set<string>): string[] | null {
  const keys: string[] = [];
  for (const name of names) {
    const info = childInfo(t, name);
    if (!info) return null;
    for (const c of info.children) keys.push(c.key, `_${c.key}`);
  }
  return keys;
}
