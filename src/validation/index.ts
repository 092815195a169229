/**
 * Public entry points of the validation engine.
 *
 *   validateResource(resource, { profile })  FHIR R4 resource or Bundle -> issues
 *   validateOfficeRecord(record)             office record (recordType) -> issues
 *   checkOfficeRecord(record)                the same, and the record typed when it passes
 *   profileUrls()                            canonical URLs of the loaded profiles
 *   loadValidator({ extraProfileDir })       (re)load and compile everything once, e.g. at start
 *
 * The first call loads lazily; afterwards validation is a walk over compiled shapes.
 */
import { issue, type Issue } from '../domain/issues.js';
import { baseDefinitions } from './definitions.js';
import { baseUrlOf, compiledFor, createRegistry, FRONTDESK_BASE, resolveProfile, typeOfProfile, type Registry, type RegistryOptions } from './registry.js';
import { bundleRules } from './rules/bundle.js';
import { narrativeLinks } from './rules/narrative.js';
import { isVitalSign, VITAL_SIGNS_PROFILE } from './rules/vital-signs.js';
import { MAX_DEPTH, type WalkContext } from './walk.js';
import { walkFast } from './generated/index.js';

export { checkOfficeRecord, validateOfficeRecord, officeRecordTypes } from './office.js';
/** fhirpath.js, which invariants need only when the fast evaluator cannot decide: loaded ahead of that (see fastpath/reference.ts). */
export { preloadReference } from './fastpath/reference.js';

export type LoadOptions = RegistryOptions;

let registry: Registry | undefined;

/** Load base definitions and profiles and compile them; returns problems found while loading. */
export function loadValidator(opts: LoadOptions = {}): { profiles: string[]; issues: Issue[] } {
  registry = createRegistry(opts);
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

/**
 * Which profile applies to a resource (docs/validation.md, "Which profile applies"):
 *   1. `profile` (the CLI's --profile, `$validate`'s profile parameter) wins;
 *   2. else the first `meta.profile` that is loaded (ours, a dropped-in one, an R4 core profile);
 *   3. else `otherwise`: the Frontdesk profile of the resource type ('frontdesk', what the flows
 *      check their outputs against) or the R4 base type ('base', for material written elsewhere).
 * A `meta.profile` that is not loaded is reported as a warning and rule 3 applies.
 * Bundle entries follow the same rules each, except that a Bundle profile naming profiles for its
 * entries (`Bundle.entry.resource` type profiles) decides for the entries it covers.
 */
export interface ValidateOptions {
  profile?: string;
  otherwise?: 'frontdesk' | 'base';
}

export function validateResource(resource: unknown, opts: ValidateOptions = {}): Issue[] {
  try {
    return validateAny(resource, opts.profile, undefined, opts.otherwise ?? 'frontdesk');
  } catch (e) {
    // A bug in the engine must not take the caller down with it; report it instead.
    return [issue('INTERNAL', `Validation failed unexpectedly: ${(e as Error).message}`)];
  }
}

/** Our claim profiles: the clearinghouse edits run when one of them applies (not on any Claim). */
export const CLAIM_PROFILES: ReadonlySet<string> = new Set([`${FRONTDESK_BASE}fd-claim`, `${FRONTDESK_BASE}fd-claim-bundle`]);

/** The canonical URL of the profile that applies to a resource under these options (undefined: none can). */
export function profileApplied(resource: unknown, opts: ValidateOptions = {}): string | undefined {
  if (!isObject(resource) || typeof resource.resourceType !== 'string' || !baseDefinitions().resourceTypes.has(resource.resourceType)) return undefined;
  return pickProfile(reg(), resource, opts.profile, resource.resourceType, opts.otherwise ?? 'frontdesk').url;
}

/** True when `nameOrUrl` names a loaded profile or an R4 resource type (for a CLI usage check). */
export function isKnownProfile(nameOrUrl: string): boolean {
  return resolveProfile(reg(), nameOrUrl) !== undefined;
}

function pickProfile(r: Registry, res: Json, requested: string | undefined, where: string, otherwise: 'frontdesk' | 'base'): { url?: string; issues: Issue[] } {
  const rt = res.resourceType as string;
  if (requested !== undefined) {
    const url = resolveProfile(r, requested);
    if (!url) return { issues: [issue('FHIR_PROFILE_UNKNOWN', `No profile "${requested}" is loaded (known: ${[...r.ids.keys()].join(', ')}, the R4 core profiles and the R4 resource types).`, where)] };
    return { url, issues: [] };
  }
  const meta = res.meta;
  const base = baseUrlOf(rt);
  const fallback = otherwise === 'frontdesk' ? (r.defaults.get(rt) ?? base) : base;
  if (isObject(meta) && Array.isArray(meta.profile)) {
    for (const p of meta.profile) {
      if (typeof p !== 'string') continue;
      const url = resolveProfile(r, p);
      if (url && typeOfProfile(r, url) === rt) return { url, issues: [] };
    }
    // Claimed profiles we do not have (or that constrain another type): say so rather than
    // pretend they were checked.
    const unusable = meta.profile.filter((p): p is string => typeof p === 'string');
    if (unusable.length) {
      const unknown = unusable.filter((p) => resolveProfile(r, p) === undefined);
      const why = unknown.length === unusable.length ? `${unusable.length > 1 ? 'are' : 'is'} not loaded` : `${unusable.length > 1 ? 'are' : 'is'} not loaded or not${unusable.length > 1 ? '' : ' a'} profile${unusable.length > 1 ? 's' : ''} of ${rt}`;
      return {
        url: fallback,
        issues: [issue('FHIR_PROFILE_UNKNOWN', `meta.profile ${unusable.join(', ')} ${why}; validated against ${fallback} instead.`, `${where}.meta.profile`, 'warning')],
      };
    }
  }
  if (otherwise === 'base' && rt === 'Observation' && isVitalSign(res)) {
    return { url: VITAL_SIGNS_PROFILE, issues: [issue('FHIR_NOT_CHECKED', `Validated against ${VITAL_SIGNS_PROFILE}: R4 requires it of an Observation with a LOINC vital-sign code.`, where, 'information')] };
  }
  return { url: fallback, issues: [] };
}

interface InBundle {
  prefix: string;
  /** The outermost Bundle and the narrative link targets collected in it (once, when needed). */
  root: Json;
  /** Value sets and code systems already reported as not checked in this validation. */
  notChecked: Set<string>;
  targets: { ids?: Set<string> };
  fullUrls: Map<string, string>;
  depth: number;
}

function validateAny(resource: unknown, requested: string | undefined, bundle: InBundle | undefined, otherwise: 'frontdesk' | 'base'): Issue[] {
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
  const picked = pickProfile(r, resource, requested, where ?? rt, otherwise);
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
    notChecked: bundle?.notChecked ?? new Set(),
    depth,
    resolveExtension: r.resolveExtension,
    ownerPath: rt,
    ownerType: rt,
    // Every field present from the start, in one order: the walker reads the context on every
    // element, and one hidden class keeps those reads fast.
    fullUrls,
    elementIds: undefined,
    env: undefined,
  };
  walkFast(resource, structure, path, ctx);
  if (structure.notes.length) {
    issues.push(issue('FHIR_NOT_CHECKED', `Parts of profile ${structure.url} are not checked: ${structure.notes.slice(0, 5).join('; ')}${structure.notes.length > 5 ? `; and ${structure.notes.length - 5} more` : ''}.`, path));
  }
  if (rt === 'Bundle') {
    issues.push(...bundleRules(resource, path, otherwise === 'frontdesk'));
    if (Array.isArray(resource.entry)) {
      const named = r.entryProfiles(structure.url);
      const root = bundle?.root ?? resource;
      const targets = bundle?.targets ?? {};
      const notChecked = ctx.notChecked;
      resource.entry.forEach((e, i) => {
        if (!isObject(e) || e.resource === undefined) return;
        const entryType = isObject(e.resource) ? e.resource.resourceType : undefined;
        const forEntry = typeof entryType === 'string' ? named.get(entryType) : undefined;
        issues.push(...validateAny(e.resource, forEntry, { prefix: `${path}.entry[${i}].resource`, root, targets, notChecked, fullUrls: fullUrls!, depth: depth + 2 }, otherwise));
      });
    }
  }
  issues.push(...narrativeLinks(resource, path, bundle?.root ?? resource, bundle?.targets ?? {}));
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
