/**
 * Public entry points of the validation engine.
 *
 *   validateResource(resource, { profile })  FHIR R4 resource or Bundle -> issues
 *   validateOfficeRecord(record)             office record (recordType) -> issues
 *   profileUrls()                            canonical URLs of the loaded profiles
 *   loadValidator({ extraProfileDir })       (re)load and compile everything once, e.g. at start
 *
 * The first call loads lazily; afterwards validation is a walk over compiled shapes.
 */
import { issue, type Issue } from '../domain/issues.js';
import { baseDefinitions } from './definitions.js';
import { compiledFor, createRegistry, resolveProfile, type Registry } from './registry.js';
import { MAX_DEPTH, walkResource, type WalkContext } from './walk.js';

export { validateOfficeRecord, officeRecordTypes } from './office.js';

export interface LoadOptions {
  /** Folder with extra StructureDefinitions (default: env FRONTDESK_PROFILE_DIR). */
  extraProfileDir?: string;
}

let registry: Registry | undefined;

/** Load base definitions and profiles and compile them; returns problems found while loading. */
export function loadValidator(opts: LoadOptions = {}): { profiles: string[]; issues: Issue[] } {
  registry = createRegistry(opts.extraProfileDir);
  return { profiles: [...registry.profiles.keys()], issues: [...registry.loadIssues] };
}

function reg(): Registry {
  if (!registry) registry = createRegistry();
  return registry;
}

export function profileUrls(): string[] {
  return [...reg().profiles.keys()];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function validateResource(resource: unknown, opts: { profile?: string } = {}): Issue[] {
  try {
    return validateAny(resource, opts.profile, undefined);
  } catch (e) {
    // A bug in the engine must not take the caller down with it; report it instead.
    return [issue('INTERNAL', `Validation failed unexpectedly: ${(e as Error).message}`)];
  }
}

function pickProfile(r: Registry, res: Json, requested: string | undefined, where: string): { url?: string; issues: Issue[] } {
  const rt = res.resourceType as string;
  if (requested !== undefined) {
    const url = resolveProfile(r, requested);
    if (!url) return { issues: [issue('FHIR_PROFILE_UNKNOWN', `No profile "${requested}" is loaded (known: ${[...r.ids.keys()].join(', ')}).`, where)] };
    return { url, issues: [] };
  }
  const meta = res.meta;
  const fallback = r.defaults.get(rt) ?? `http://hl7.org/fhir/StructureDefinition/${rt}`;
  if (isObject(meta) && Array.isArray(meta.profile)) {
    for (const p of meta.profile) {
      if (typeof p !== 'string') continue;
      const url = resolveProfile(r, p);
      if (url && r.profiles.has(url)) return { url, issues: [] };
    }
    // Claimed profiles we do not have: say so rather than pretend they were checked.
    const unknown = meta.profile.filter((p): p is string => typeof p === 'string' && resolveProfile(r, p) === undefined);
    if (unknown.length) {
      return {
        url: fallback,
        issues: [issue('FHIR_NOT_CHECKED', `meta.profile ${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not loaded; validated against ${fallback} instead.`, `${where}.meta.profile`)],
      };
    }
  }
  return { url: fallback, issues: [] };
}

function validateAny(resource: unknown, requested: string | undefined, bundle: { prefix: string; fullUrls: Map<string, string>; depth: number } | undefined): Issue[] {
  const where = bundle?.prefix;
  const depth = bundle?.depth ?? 0;
  if (depth >= MAX_DEPTH) {
    return [issue('FHIR_STRUCTURE', `Nested more than ${MAX_DEPTH} levels deep; what is below is not checked.`, where)];
  }
  if (!isObject(resource)) {
    return [issue('FHIR_STRUCTURE', `A FHIR resource must be a JSON object, not ${Array.isArray(resource) ? 'an array' : resource === null ? 'null' : `a ${typeof resource}`}.`, where)];
  }
  const rt = resource.resourceType;
  if (typeof rt !== 'string' || !baseDefinitions().resourceTypes.has(rt)) {
    const what = typeof rt === 'string' ? `"${rt}" is not an R4 resource type` : 'resourceType is missing';
    return [issue('FHIR_RESOURCE_TYPE', `${what}.`, where ? `${where}.resourceType` : 'resourceType')];
  }
  const r = reg();
  const picked = pickProfile(r, resource, requested, where ?? rt);
  if (!picked.url) return picked.issues;
  const structure = compiledFor(r, picked.url);
  if (!structure) {
    return [issue('FHIR_PROFILE_INVALID', `Profile ${picked.url} could not be compiled.`, where ?? rt)];
  }
  if (structure.type !== rt) {
    return [issue('FHIR_RESOURCE_TYPE', `Profile ${picked.url} constrains ${structure.type}, not ${rt}.`, where ? `${where}.resourceType` : `${rt}.resourceType`)];
  }
  const issues: Issue[] = picked.issues;
  const path = where ?? rt;
  const fullUrls = rt === 'Bundle' ? bundleFullUrls(resource) : bundle?.fullUrls;
  const ctx: WalkContext = {
    issues,
    resource,
    rootResource: resource,
    skipEntryResources: rt === 'Bundle',
    structureFor: r.structureFor,
    elementShape: r.elementShape,
    notChecked: new Set(),
    depth,
    ...(fullUrls ? { fullUrls } : {}),
  };
  walkResource(resource, structure, path, ctx);
  if (structure.notes.length) {
    issues.push(issue('FHIR_NOT_CHECKED', `Parts of profile ${structure.url} are not checked: ${structure.notes.slice(0, 5).join('; ')}${structure.notes.length > 5 ? `; and ${structure.notes.length - 5} more` : ''}.`, path));
  }
  if (rt === 'Bundle' && Array.isArray(resource.entry)) {
    resource.entry.forEach((e, i) => {
      if (!isObject(e) || e.resource === undefined) return;
      issues.push(...validateAny(e.resource, undefined, { prefix: `${path}.entry[${i}].resource`, fullUrls: fullUrls!, depth: depth + 2 }));
    });
  }
  return issues;
}

function bundleFullUrls(bundle: Json): Map<string, string> {
  const out = new Map<string, string>();
  if (!Array.isArray(bundle.entry)) return out;
  for (const e of bundle.entry) {
    if (!isObject(e) || typeof e.fullUrl !== 'string' || !isObject(e.resource)) continue;
    const rt = e.resource.resourceType;
    if (typeof rt === 'string') out.set(e.fullUrl, rt);
  }
  return out;
}
