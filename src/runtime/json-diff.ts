/**
 * A small structural diff of two JSON values, for `messages replay --dry-run`: every leaf that
 * differs, as a path (`bundle.entry[1].resource.name[0].family`) with its value before and after.
 * Arrays are compared by position: a mapping change that adds a repetition shows as the added
 * index, and shifted ones as changes, which is what a reviewer of a mapping edit wants to see.
 */
export interface JsonChange {
  path: string;
  /** Absent when the path is new. */
  before?: unknown;
  /** Absent when the path is gone. */
  after?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function jsonDiff(before: unknown, after: unknown, path = ''): JsonChange[] {
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: JsonChange[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      const p = `${path}[${i}]`;
      if (i >= before.length) out.push({ path: p, after: after[i] });
      else if (i >= after.length) out.push({ path: p, before: before[i] });
      else out.push(...jsonDiff(before[i], after[i], p));
    }
    return out;
  }
  if (isObject(before) && isObject(after)) {
    const out: JsonChange[] = [];
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const k of keys) {
      const p = path ? `${path}.${k}` : k;
      if (!(k in after)) out.push({ path: p, before: before[k] });
      else if (!(k in before)) out.push({ path: p, after: after[k] });
      else out.push(...jsonDiff(before[k], after[k], p));
    }
    return out;
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [{ path: path || '(value)', ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) }];
}

/** One line per change: `~ path: before -> after`, `+ path: after`, `- path: before`. */
export function renderChanges(changes: readonly JsonChange[], max = 50): string[] {
  const short = (v: unknown) => {
    const s = JSON.stringify(v);
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
  };
  const lines = changes.slice(0, max).map((c) =>
    !('before' in c) ? `+ ${c.path}: ${short(c.after)}` : !('after' in c) ? `- ${c.path}: ${short(c.before)}` : `~ ${c.path}: ${short(c.before)} -> ${short(c.after)}`);
  if (changes.length > max) lines.push(`... ${changes.length - max} more`);
  return lines;
}
