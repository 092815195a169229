// Reading a .cpuprofile (V8's format: nodes with their children, samples with time deltas) for
// the profile scripts (blocks.mjs, spans.mjs): its nodes by id, each node's parent, a frame's
// name, and the innermost frame of the project's own code (src/, bench/) under a node.
import { readFileSync } from 'node:fs';

export function readProfile(file) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
  const own = (id) => {
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (/\/(src|bench)\//.test(n.callFrame.url) && !n.callFrame.url.includes('node_modules')) return name(n);
    }
    return '(none)';
  };
  return { p, byId, parent, name, own };
}
