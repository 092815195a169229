/**
 * fhirpath.js parse trees of invariant expressions, kept between processes. Parsing (fhirpath.js's
 * ANTLR grammar) is most of what compiling an invariant costs, and every process (each CLI run,
 * each gateway start) compiles the same few hundred R4 and profile invariants. The trees are plain
 * data, so they are written to one file in the OS temp folder, keyed by the fhirpath.js version and
 * AST_CACHE_VERSION (bump it when the tree's use changes), read once, and added to when a process
 * parsed something new (written at exit, whole, through a temporary file and a rename).
 * A file that does not parse, has another key or holds something that is not a tree is ignored
 * and rewritten: a bad cache costs time, never a wrong answer. FRONTDESK_DEFINITIONS_CACHE=off
 * disables it, as it disables the definitions cache.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node } from './compile.js';

const AST_CACHE_VERSION = 1;

interface CacheFile {
  key: string;
  trees: Record<string, Node>;
}

let state: { key: string; file: string; trees: Map<string, Node>; added: number } | undefined | null;

function fhirpathVersion(): string {
  try {
    return (createRequire(import.meta.url)('fhirpath/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const isTree = (n: unknown): n is Node => typeof n === 'object' && n !== null && typeof (n as { type?: unknown }).type === 'string';

function open(): typeof state {
  if (state !== undefined) return state;
  if (process.env.FRONTDESK_DEFINITIONS_CACHE === 'off') return (state = null);
  const key = `fhirpath-${fhirpathVersion()}-ast-${AST_CACHE_VERSION}`;
  const file = join(tmpdir(), `frontdesk-${key}.json`);
  const trees = new Map<string, Node>();
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
    if (json.key === key && typeof json.trees === 'object' && json.trees !== null) {
      for (const [expression, tree] of Object.entries(json.trees)) if (isTree(tree)) trees.set(expression, tree);
    }
  } catch {
    // none yet, or damaged: start empty, rewritten at exit
  }
  state = { key, file, trees, added: 0 };
  process.once('exit', save);
  return state;
}

function save(): void {
  if (!state || state.added === 0) return;
  try {
    const tmp = `${state.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ key: state.key, trees: Object.fromEntries(state.trees) } satisfies CacheFile));
    renameSync(tmp, state.file);
  } catch {
    // a read-only temp folder only costs speed
  }
}

/** The parse tree of `expression`: from the cache, else `parse` (whose tree is then kept). */
export function parseCached(expression: string, parse: (expression: string) => Node): Node {
  const c = open();
  const hit = c?.trees.get(expression);
  if (hit) return hit;
  const tree = parse(expression);
  if (c) {
    c.trees.set(expression, tree);
    c.added++;
  }
  return tree;
}
