/**
 * The profile registry: our StructureDefinitions from profiles/, any a practice drops into the
 * configured folder (FRONTDESK_PROFILE_DIR or loadValidator({ extraProfileDir })), and the base
 * R4 definitions. Each profile is turned into a snapshot (its own, or generated from its
 * differential) and compiled once; base resource types compile lazily on first use.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeSystem, ElementDefinition, StructureDefinition, ValueSet } from 'fhir/r4.js';
import { issue, type Issue } from '../domain/issues.js';
import { compileStructure, typeShape, type CompiledStructure, type Shape } from './compile.js';
import { baseDefinitions } from './definitions.js';
import { generateSnapshot } from './snapshot.js';
import { addTerminology, stripVersion } from './terminology.js';

/** Generated snapshots of differential-only profiles, so profiles can build on each other. */
const snapshots = new Map<string, ElementDefinition[]>();

export const PROFILES_DIR = fileURLToPath(new URL('../../profiles/', import.meta.url));
export const FRONTDESK_BASE = 'http://frontdesk.example.org/fhir/StructureDefinition/';

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

export function createRegistry(extraProfileDir?: string): Registry {
  const reg: Registry = {
    profiles: new Map(),
    ids: new Map(),
    extensions: new Map(),
    defaults: new Map(),
    compiled: new Map(),
    loadIssues: [],
    sources: new Map(),
    elementShape: undefined as unknown as Shape,
    structureFor: (t) => compiledFor(reg, `http://hl7.org/fhir/StructureDefinition/${t}`),
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
  const extra = extraProfileDir ?? process.env.FRONTDESK_PROFILE_DIR;
  if (extra) add(extra, false);
  reg.elementShape = typeShape('Element', (u) => typeOfProfile(reg, u));
  // Compile every loaded profile now, nested shapes and invariants included, so a broken one is
  // reported at start and the first message pays no compile cost.
  for (const url of reg.profiles.keys()) {
    const c = compiledFor(reg, url);
    if (c) warm(c.shape, new Set());
  }
  return reg;
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
    const c = compileStructure(sd, snapshot, (u) => typeOfProfile(reg, u), notes, (u) => (reg.extensions.has(u) ? compiledFor(reg, u, depth + 1)?.shape : undefined));
    reg.compiled.set(url, c);
    return c;
  } catch (e) {
    reg.loadIssues.push(issue('FHIR_PROFILE_INVALID', `${sourceOf(reg, url)}: cannot be compiled (${(e as Error).message}).`));
    return undefined;
  }
}
