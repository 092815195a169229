/**
 * The diff of a message's outputs for the console's dry runs, at the level of values: one line per
 * leaf, `path: stored -> now`. The runtime's diff (src/runtime/json-diff.ts) reports a subtree that
 * appears or disappears as one change; here such a subtree is spread into its leaves, so a message
 * that had no output and would have one now shows each value it would get. Values are masked by
 * their path (./mask.ts): names and identifiers stay starred, codes and states are shown.
 */
import type { JsonChange } from '../runtime/json-diff.js';
import { maskAtPath } from './mask.js';

export interface ValueChange {
  path: string;
  /** JSON text of the masked value; undefined when absent on that side. */
  before?: string | undefined;
  after?: string | undefined;
}

const isContainer = (v: unknown): v is object => v !== null && typeof v === 'object';
const join = (base: string, key: string | number) => (typeof key === 'number' ? `${base}[${key}]` : base ? `${base}.${key}` : key);

/** Every leaf of a value with its path (an empty object or array is a leaf). */
function leaves(v: unknown, path: string, out: Array<[string, unknown]>): void {
  if (Array.isArray(v) && v.length) v.forEach((x, i) => leaves(x, join(path, i), out));
  else if (isContainer(v) && !Array.isArray(v) && Object.keys(v).length) for (const [k, x] of Object.entries(v)) leaves(x, join(path, k), out);
  else out.push([path || '(value)', v]);
}

const text = (path: string, v: unknown): string => {
  const s = JSON.stringify(maskAtPath(path, v)) ?? String(v);
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
};

export function valueChanges(changes: readonly JsonChange[]): ValueChange[] {
  const out: ValueChange[] = [];
  for (const c of changes) {
    const root = c.path === '(value)' ? '' : c.path;
    const before = c.before === null ? undefined : c.before;
    const after = c.after === null ? undefined : c.after;
    if (before === undefined || after === undefined || isContainer(before) !== isContainer(after)) {
      // A subtree added or removed (or a value that became a subtree): each leaf on its own line.
      const b: Array<[string, unknown]> = [];
      const a: Array<[string, unknown]> = [];
      if (before !== undefined) leaves(before, root, b);
      if (after !== undefined) leaves(after, root, a);
      const afterByPath = new Map(a);
      const beforePaths = new Set(b.map(([p]) => p));
      for (const [p, v] of b) out.push({ path: p, before: text(p, v), after: afterByPath.has(p) ? text(p, afterByPath.get(p)) : undefined });
      for (const [p, v] of a) if (!beforePaths.has(p)) out.push({ path: p, after: text(p, v) });
      continue;
    }
    out.push({ path: c.path, before: text(c.path, before), after: text(c.path, after) });
  }
  return out;
}
