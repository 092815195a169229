/**
 * The profile registry: our StructureDefinitions from profiles/, any a practice drops into the
 * configured folder (FRONTDESK_PROFILE_DIR or loadValidator({ extraProfileDir })), and the base
 * R4 definitions. Each profile is turned into a snapshot (its own, or generated from its
 * differential) and compiled once; base resource types compile lazily on first use.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CodeSystem, ElementDefinition, StructureDefinition, ValueSet } from 'fhir/r4.js';
import { issue, type Issue } from '../domain/issues.js';
import { compileStructure, typeRef, typeShape, type CompiledStructure, type Shape, type TypeRef } from './compile.js';
import { baseDefinitions } from './definitions.js';
import { generateSnapshot } from './snapshot.js';
import { addTerminology, stripVersion } from './terminology.js';
import { PROFILES_DIR } from '../paths.js';

/** Generated snapshots of differential-only profiles, so profiles can build on each other. */
const snapshots = new Map<string, ElementDefinition[]>();

export { PROFILES_DIR } from '../paths.js';
export const FRONTDESK_BASE = 'http://frontdesk.example.org/fhir/StructureDefinition/';

const baseUrls = new Map<string, string>();
/**
 * The R4 base definition URL of a resource type, one string per type: validation looks the
 * compiled structure up by it for every resource, and a string built per call would be hashed
 * again each time.
 */
export function baseUrlOf(type: string): string {
  let u = baseUrls.get(type);
  if (u === undefined) baseUrls.set(type, (u = `http://hl7.org/fhir/StructureDefinition/${type}`));
  return u;
}

export interface Registry {
  /** Loaded profiles (ours and dropped-in) by canonical URL. */
  profiles: Map<string, StructureDefinition>;
  /** id -> canonical URL */
  ids: Map<string, string>;
  /** Extension definitions (dropped in beside the profiles that slice by them). */
  extensions: Map<string, StructureDefinition>;
  /** resourceType -> our default profile URL (not Bundle: the claim Bundle is only on request). */
  defaults: Map<string, string>;
  compiled: Map<string, CompiledStructure>;
  /** Issues raised while loading (unreadable or uncompilable profiles). */
  loadIssues: Issue[];
  /** Canonical URL -> the file it was read from, so load issues name the file to fix. */
  sources: Map<string, string>;
  elementShape: Shape;
  /** Base structure of a resource type (contained and nested resources). */
  structureFor: (type: string) => CompiledStructure | undefined;
  /** What an extension URL resolves to (see ExtensionResolution); cached per URL. */
  resolveExtension: (url: string) => ExtensionResolution;
  /** Profiles a Bundle profile names for its entries (`Bundle.entry.resource` type profiles), by resource type. */
  entryProfiles: (bundleProfileUrl: string) => Map<string, string>;
}

/**
 * An extension URL resolves to its definition (ours, dropped in, or an R4 core extension: then
 * its shape checks the value type and its contexts say where it may be used), or is accepted
 * without a definition ('accepted': an example domain, a URL Frontdesk emits from another IG, or
 * one the configuration allows), or is unknown (an error, as the reference validator reports it).
 */
export type ExtensionResolution =
  | { kind: 'defined'; type: TypeRef | undefined; contexts: { type: string; expression: string }[] }
  | { kind: 'accepted' }
  | { kind: 'unknown' };

export interface RegistryOptions {
  /** Folder with extra StructureDefinitions (default: env FRONTDESK_PROFILE_DIR). */
  extraProfileDir?: string | undefined;
  /**
   * Extensions without a definition: true accepts any; a list accepts URLs starting with one of
   * its entries. Default: env FRONTDESK_ALLOW_UNKNOWN_EXTENSIONS ('true', or comma-separated
   * URL prefixes); otherwise an unknown extension is an error.
   */
  allowUnknownExtensions?: boolean | string[] | undefined;
  /**
   * Compile every loaded profile now (the default: a broken one is reported at load, and the first
   * message pays no compile cost), or each when first used (a CLI validating one file compiles
   * the profiles that file needs; a profile that cannot be compiled is then reported on the
   * resource it was picked for, FHIR_PROFILE_INVALID).
   */
  compileAll?: boolean | undefined;
}

/**
 * Domains the reference validator treats as examples (an extension there needs no definition):
 * examples and test data use them for made-up extensions.
 */
const EXAMPLE_DOMAINS = ['example.org', 'example.com', 'example.net', 'acme.com', 'acme.org', 'nema.org'];

function isExampleUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return EXAMPLE_DOMAINS.some((d) => host === d || host.endsWith(`.${d}`));
}

function allowedByEnv(): boolean | string[] {
  const v = process.env.FRONTDESK_ALLOW_UNKNOWN_EXTENSIONS?.trim();
  if (!v || v === 'false') return false;
  if (v === 'true' || v === '*') return true;
  return v.split(',').map((x) => x.trim()).filter(Boolean);
}

/** profiles/external-extensions.json: extension URLs we emit whose definitions live in other IGs. */
function externalExtensionUrls(issues: Issue[]): Set<string> {
  const file = join(PROFILES_DIR, 'external-extensions.json');
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { extensions?: { url?: unknown }[] };
    return new Set((json.extensions ?? []).map((e) => e.url).filter((u): u is string => typeof u === 'string'));
  } catch (e) {
    issues.push(issue('FHIR_PROFILE_INVALID', `${file}: not readable (${(e as Error).message}).`));
    return new Set();
  }
}

function readJsonFiles(dir: string, issues: Issue[]): { file: string; json: unknown }[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch (e) {
    issues.push(issue('FHIR_PROFILE_INVALID', `Profile folder ${dir} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}).`));
    return [];
  }
  const out: { file: string; json: unknown }[] = [];
  for (const n of names) {
    const file = join(dir, n);
    try {
      if (!statSync(file).isFile()) continue;
      out.push({ file, json: JSON.parse(readFileSync(file, 'utf8')) });
    } catch (e) {
      issues.push(issue('FHIR_PROFILE_INVALID', `${file}: not readable JSON (${(e as Error).message}).`));
    }
  }
  return out;
}

/** StructureDefinitions, ValueSets and CodeSystems from a file (a resource or a Bundle of them). */
function definitionsIn(json: unknown): (StructureDefinition | ValueSet | CodeSystem)[] {
  const r = json as { resourceType?: string; entry?: { resource?: unknown }[] };
  if (r?.resourceType === 'Bundle') return (r.entry ?? []).flatMap((e) => definitionsIn(e.resource));
  if (r?.resourceType === 'StructureDefinition' || r?.resourceType === 'ValueSet' || r?.resourceType === 'CodeSystem') {
    return [r as StructureDefinition | ValueSet | CodeSystem];
  }
  return [];
}

export function createRegistry(opts: RegistryOptions = {}): Registry {
  const extensionCache = new Map<string, ExtensionResolution>();
  const entryProfileCache = new Map<string, Map<string, string>>();
  const allowUnknown = opts.allowUnknownExtensions ?? allowedByEnv();
  let external: Set<string> | undefined;
  const reg: Registry = {
    profiles: new Map(),
    ids: new Map(),
    extensions: new Map(),
    defaults: new Map(),
    compiled: new Map(),
    loadIssues: [],
    sources: new Map(),
    elementShape: undefined as unknown as Shape,
    structureFor: (t) => compiledFor(reg, baseUrlOf(t)),
    resolveExtension: (url) => {
      let hit = extensionCache.get(url);
      if (!hit) extensionCache.set(url, (hit = resolveExtensionUrl(reg, url, allowUnknown, (external ??= externalExtensionUrls(reg.loadIssues)))));
      return hit;
    },
    entryProfiles: (url) => {
      let hit = entryProfileCache.get(url);
      if (!hit) entryProfileCache.set(url, (hit = entryProfilesOf(reg, url)));
      return hit;
    },
  };
  const add = (dir: string, ours: boolean): void => {
    for (const { file, json } of readJsonFiles(dir, reg.loadIssues)) {
      const defs = definitionsIn(json);
      if (defs.length === 0 && !ours) continue; // other JSON in a practice folder: ignore
      for (const d of defs) {
        if (d.resourceType !== 'StructureDefinition') {
          addTerminology(d);
          continue;
        }
        if (!d.url || !d.type || (!d.snapshot && !d.differential)) {
          reg.loadIssues.push(issue('FHIR_PROFILE_INVALID', `${file}: a StructureDefinition needs url, type and a snapshot or differential.`));
          continue;
        }
        reg.sources.set(d.url, file);
        if (d.type === 'Extension' && d.derivation === 'constraint') {
          // Extension definitions: used for extension slices that name them, by URL.
          reg.extensions.set(d.url, d);
          continue;
        }
        if (d.kind !== 'resource' && d.kind !== undefined) continue; // datatype profiles: not validated on their own
        reg.profiles.set(d.url, d);
        if (d.id) reg.ids.set(d.id, d.url);
        if (ours && d.type !== 'Bundle' && d.url.startsWith(FRONTDESK_BASE)) reg.defaults.set(d.type, d.url);
      }
    }
  };
  add(PROFILES_DIR, true);
  const extra = opts.extraProfileDir ?? process.env.FRONTDESK_PROFILE_DIR;
  if (extra) add(extra, false);
  reg.elementShape = typeShape('Element', (u) => typeOfProfile(reg, u));
  // Compile every loaded profile now, nested shapes and invariants included, so a broken one is
  // reported at start and the first message pays no compile cost (unless asked to wait).
  if (opts.compileAll !== false) for (const url of reg.profiles.keys()) {
    const c = compiledFor(reg, url);
    if (c) warm(c.shape, new Set());
  }
  return reg;
}

function resolveExtensionUrl(reg: Registry, url: string, allowUnknown: boolean | string[], external: Set<string>): ExtensionResolution {
  const u = stripVersion(url);
  const sd = reg.extensions.get(u) ?? baseDefinitions().extensions.get(u);
  if (sd) {
    const contexts = (sd.context ?? []).map((c) => ({ type: c.type, expression: c.expression }));
    const shape = compiledFor(reg, sd.url)?.shape;
    return { kind: 'defined', type: shape ? typeRef('Extension', () => shape) : undefined, contexts };
  }
  if (external.has(u) || isExampleUrl(u)) return { kind: 'accepted' };
  if (allowUnknown === true || (Array.isArray(allowUnknown) && allowUnknown.some((p) => u.startsWith(p)))) return { kind: 'accepted' };
  return { kind: 'unknown' };
}

/** `Bundle.entry.resource` type profiles of a Bundle profile, by the resource type each constrains. */
function entryProfilesOf(reg: Registry, url: string): Map<string, string> {
  const out = new Map<string, string>();
  const sd = reg.profiles.get(url) ?? baseDefinitions().byUrl.get(url);
  if (!sd || sd.type !== 'Bundle') return out;
  for (const el of [...(sd.differential?.element ?? []), ...(sd.snapshot?.element ?? [])]) {
    if (el.path !== 'Bundle.entry.resource') continue;
    for (const t of el.type ?? []) {
      for (const p of t.profile ?? []) {
        const resolved = resolveProfile(reg, p);
        const type = resolved ? typeOfProfile(reg, resolved) : undefined;
        if (resolved && type && !out.has(type)) out.set(type, resolved);
      }
    }
  }
  return out;
}

/** Build every lazily compiled shape reachable from `shape` (datatypes, backbone elements). */
function warm(shape: Shape, seen: Set<Shape>): void {
  if (seen.has(shape)) return;
  seen.add(shape);
  for (const rule of shape.rules) for (const t of rule.variants.values()) if (t.shape) warm(t.shape(), seen);
}

export function typeOfProfile(reg: Registry, url: string): string | undefined {
  const u = stripVersion(url);
  return reg.profiles.get(u)?.type ?? baseDefinitions().byUrl.get(u)?.type;
}

/** A profile's URL with the file it came from, for load issues. */
function sourceOf(reg: Registry, url: string): string {
  const file = reg.sources.get(url);
  return file ? `${url} (${file})` : url;
}

/** Resolve `--profile` as given: canonical URL (with or without |version) or id. */
export function resolveProfile(reg: Registry, nameOrUrl: string): string | undefined {
  const u = stripVersion(nameOrUrl);
  if (reg.profiles.has(u)) return u;
  const byId = reg.ids.get(u);
  if (byId) return byId;
  const b = baseDefinitions();
  if (b.byUrl.has(u) && b.byUrl.get(u)!.kind === 'resource') return u;
  // R4 core profiles by id too (`vitalsigns`, `bp`), like ours.
  for (const sd of b.coreProfiles.values()) if (sd.id === u) return sd.url;
  if (b.resourceTypes.has(u)) return `http://hl7.org/fhir/StructureDefinition/${u}`;
  return undefined;
}

/** The compiled structure for a profile or base definition URL (compiled on first use). */
export function compiledFor(reg: Registry, url: string, depth = 0): CompiledStructure | undefined {
  const hit = reg.compiled.get(url);
  if (hit) return hit;
  const sd = reg.profiles.get(url) ?? reg.extensions.get(url) ?? baseDefinitions().byUrl.get(url);
  if (!sd) return undefined;
  const notes: string[] = [];
  let snapshot = sd.snapshot?.element;
  if (!snapshot?.length) {
    const baseUrl = sd.baseDefinition ? stripVersion(sd.baseDefinition) : undefined;
    const parent = baseUrl && depth < 10 ? (reg.profiles.get(baseUrl) ?? reg.extensions.get(baseUrl) ?? baseDefinitions().byUrl.get(baseUrl)) : undefined;
    if (!parent) {
      reg.loadIssues.push(issue('FHIR_PROFILE_INVALID', `${sourceOf(reg, url)}: base definition ${sd.baseDefinition ?? '(none)'} is not loaded.`));
      return undefined;
    }
    if (!parent.snapshot?.element?.length) {
      // A differential on a differential: build the parent's snapshot first.
      const p = compiledFor(reg, parent.url, depth + 1);
      if (!p) return undefined;
    }
    const parentSnapshot = parent.snapshot?.element?.length ? parent : { ...parent, snapshot: { element: snapshots.get(parent.url) ?? [] } };
    const gen = generateSnapshot(sd, parentSnapshot);
    snapshot = gen.snapshot;
    notes.push(...gen.skipped);
    snapshots.set(url, snapshot);
  }
  try {
    const c = compileStructure(sd, snapshot, (u) => typeOfProfile(reg, u), notes, (u) => (reg.extensions.has(u) || baseDefinitions().extensions.has(u) ? compiledFor(reg, u, depth + 1)?.shape : undefined));
    reg.compiled.set(url, c);
    return c;
  } catch (e) {
    reg.loadIssues.push(issue('FHIR_PROFILE_INVALID', `${sourceOf(reg, url)}: cannot be compiled (${(e as Error).message}).`));
    return undefined;
  }
}
