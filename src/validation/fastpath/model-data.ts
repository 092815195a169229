/**
 * The R4 model data fhirpath.js ships (fhirpath/fhir-context/r4), as the fast evaluator reads it:
 * the type of an element path (path2Type), the variants of a choice element (choiceTypePaths),
 * where a repeated structure is defined (pathsDefinedElsewhere) and each type's parent
 * (type2Parent). Values are those of fhirpath.js's model object (a Reference path's type is its
 * code, as the model's own set-up makes it).
 *
 * Loading that model means parsing path2Type.json (485 KB) and walking all of its 8,000 paths,
 * about a tenth of the CPU time of a one-file `frontdesk validate`, of which a validation reads the
 * paths of a few dozen types. So the first load writes the data to a cache folder in the OS temp
 * folder, keyed by the fhirpath.js version and MODEL_CACHE_VERSION: an index (the small tables and
 * the list of root types) and one shard per root type (`Patient`: every `Patient.*` path); later
 * processes read the index, then a type's shard when a path of that type is first asked for.
 * Every file carries the key and a shard names its root type; a missing, stale, truncated or
 * unreadable one is detected when read, and the data is then taken from the package (the cache is
 * rewritten): a bad cache costs time, never a wrong answer. FRONTDESK_DEFINITIONS_CACHE=off
 * disables it, as it does the definitions cache.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Bump when what the cache holds changes, so older cache folders are not reused. */
const MODEL_CACHE_VERSION = 1;

type Table<V> = Record<string, V>;

/** What the evaluator reads: fhirpath.js's model object has these four tables. */
interface ModelTables {
  path2Type: Table<string>;
  choiceTypePaths: Table<string[]>;
  pathsDefinedElsewhere: Table<string>;
  type2Parent: Table<string>;
}

interface CacheIndex {
  key: string;
  /** Root type -> shard file. */
  roots: Table<string>;
  choiceTypePaths: Table<string[]>;
  pathsDefinedElsewhere: Table<string>;
  type2Parent: Table<string>;
}

interface Shard {
  key: string;
  root: string;
  paths: Table<string>;
}

const require = createRequire(import.meta.url);
const useCache = (): boolean => process.env.FRONTDESK_DEFINITIONS_CACHE !== 'off';

function cacheKey(): string {
  let version = 'unknown';
  try {
    version = (require('fhirpath/package.json') as { version: string }).version;
  } catch {
    // keep 'unknown': the cache still works, keyed by its own version only
  }
  return `fhirpath-${version}-r4-model-${MODEL_CACHE_VERSION}`;
}

const cacheDir = (key: string): string => join(tmpdir(), `frontdesk-${key}`);

/** A path's root type: `Patient` for `Patient.contact.name`. */
export const rootOf = (path: string): string => {
  const dot = path.indexOf('.');
  return dot < 0 ? path : path.slice(0, dot);
};

let whole: ModelTables | undefined;

/** fhirpath.js's own model object (its set-up already applied), the source of every value here. */
function fromPackage(): ModelTables {
  return (whole ??= require('fhirpath/fhir-context/r4/index.js') as ModelTables);
}

/**
 * Write the cache folder from the package's model: into a folder of its own, renamed into place
 * whole, so a concurrent reader sees the old folder, the new one or none, never half of one.
 */
function writeCache(key: string, m: ModelTables): void {
  const dir = cacheDir(key);
  const tmp = `${dir}.${process.pid}.tmp`;
  try {
    mkdirSync(tmp, { recursive: true });
    const byRoot = new Map<string, Table<string>>();
    for (const [path, type] of Object.entries(m.path2Type)) {
      const root = rootOf(path);
      let t = byRoot.get(root);
      if (!t) byRoot.set(root, (t = {}));
      t[path] = type;
    }
    const roots: Table<string> = {};
    let n = 0;
    for (const [root, paths] of byRoot) {
      const file = `t-${n++}.json`;
      writeFileSync(join(tmp, file), JSON.stringify({ key, root, paths } satisfies Shard));
      roots[root] = file;
    }
    // The index last: a folder without it is not a cache.
    const index: CacheIndex = { key, roots, choiceTypePaths: m.choiceTypePaths, pathsDefinedElsewhere: m.pathsDefinedElsewhere, type2Parent: m.type2Parent };
    writeFileSync(join(tmp, 'index.json'), JSON.stringify(index));
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch {
    // a read-only temp folder, or another process renamed its copy first: only costs speed
    rmSync(tmp, { recursive: true, force: true });
  }
}

const isTable = (v: unknown): v is Table<unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined; // absent, truncated or unreadable: the caller takes the package's data
  }
}

function readIndex(key: string): CacheIndex | undefined {
  const ix = readJson(join(cacheDir(key), 'index.json')) as Partial<CacheIndex> | undefined;
  if (ix?.key !== key || !isTable(ix.roots) || !isTable(ix.choiceTypePaths) || !isTable(ix.pathsDefinedElsewhere) || !isTable(ix.type2Parent)) return undefined;
  return ix as CacheIndex;
}

export interface ModelData {
  /** path2Type[path]: `HumanName` for `Patient.name`, `BackboneElement` for `Patient.contact`. */
  pathType(path: string): string | undefined;
  /** The element paths directly and indirectly under a root type (every key of path2Type starting `root.`). */
  pathsOf(root: string): readonly string[];
  choiceTypePaths: Readonly<Table<string[]>>;
  pathsDefinedElsewhere: Readonly<Table<string>>;
  type2Parent: Readonly<Table<string>>;
}

/** The model read whole from the package (no cache, or a damaged one). */
function packageData(): ModelData {
  const m = fromPackage();
  const byRoot = new Map<string, string[]>();
  return {
    pathType: (path) => (Object.hasOwn(m.path2Type, path) ? m.path2Type[path] : undefined),
    pathsOf: (root) => {
      let paths = byRoot.get(root);
      if (!paths) byRoot.set(root, (paths = Object.keys(m.path2Type).filter((p) => rootOf(p) === root)));
      return paths;
    },
    choiceTypePaths: m.choiceTypePaths,
    pathsDefinedElsewhere: m.pathsDefinedElsewhere,
    type2Parent: m.type2Parent,
  };
}

let data: ModelData | undefined;

/** The model data, read once per process (see loadModelData). */
export function modelData(): ModelData {
  return (data ??= loadModelData());
}

/** The model data, from the cache when there is a valid one (else from the package, and the cache written). */
export function loadModelData(): ModelData {
  const key = cacheKey();
  const ix = useCache() ? readIndex(key) : undefined;
  if (!ix) {
    if (useCache()) writeCache(key, fromPackage());
    return packageData();
  }
  const shards = new Map<string, Table<string> | null>();
  let fallback: ModelData | undefined;
  /** One root type's paths: its shard, checked; a damaged one switches to the package's data and rewrites the cache. */
  const shard = (root: string): Table<string> | null => {
    if (fallback) return null;
    let t = shards.get(root);
    if (t !== undefined) return t;
    const file = Object.hasOwn(ix.roots, root) ? ix.roots[root] : undefined;
    if (file === undefined) t = null;
    else {
      const s = readJson(join(cacheDir(key), file)) as Partial<Shard> | undefined;
      if (s?.key === key && s.root === root && isTable(s.paths)) t = s.paths as Table<string>;
      else {
        fallback ??= packageData();
        writeCache(key, fromPackage());
        return null;
      }
    }
    shards.set(root, t);
    return t;
  };
  return {
    pathType: (path) => {
      const t = shard(rootOf(path));
      if (fallback) return fallback.pathType(path);
      return t && Object.hasOwn(t, path) ? t[path] : undefined;
    },
    pathsOf: (root) => {
      const t = shard(root);
      if (fallback) return fallback.pathsOf(root);
      return t ? Object.keys(t) : [];
    },
    choiceTypePaths: ix.choiceTypePaths,
    pathsDefinedElsewhere: ix.pathsDefinedElsewhere,
    type2Parent: ix.type2Parent,
  };
}
