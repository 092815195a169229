/**
 * Offline value-set expansion for required bindings: no terminology server. A value set is
 * expanded from the local ValueSets and CodeSystems (valuesets.json, v3 code systems, v2 tables)
 * when every include can be enumerated: explicit concept lists, whole local code systems with
 * complete content, nested value sets, and `is-a`/`descendent-of` filters over a local hierarchy.
 * Anything else (LOINC, SNOMED, BCP-13 mime types, other filters) cannot be checked here and the
 * caller reports FHIR_NOT_CHECKED instead of passing it silently.
 */
import type { CodeSystem, CodeSystemConcept, ValueSet } from 'fhir/r4.js';
import { baseDefinitions } from './definitions.js';

export interface Expansion {
  /** system -> codes */
  bySystem: Map<string, Set<string>>;
  /** every code regardless of system (for `code` elements, which carry no system) */
  all: Set<string>;
}

export type ExpansionResult = { ok: true; expansion: Expansion } | { ok: false; reason: string };

const cache = new Map<string, ExpansionResult>();
const extraValueSets = new Map<string, ValueSet>();
const extraCodeSystems = new Map<string, CodeSystem>();

/** Register ValueSets/CodeSystems shipped beside a dropped-in profile. */
export function addTerminology(r: ValueSet | CodeSystem): void {
  if (!r.url) return;
  if (r.resourceType === 'ValueSet') extraValueSets.set(r.url, r);
  else extraCodeSystems.set(r.url, r);
  cache.clear();
}

export function stripVersion(canonical: string): string {
  const bar = canonical.indexOf('|');
  return bar < 0 ? canonical : canonical.slice(0, bar);
}

function findValueSet(url: string): ValueSet | undefined {
  return extraValueSets.get(url) ?? baseDefinitions().valueSets.get(url);
}
function findCodeSystem(url: string): CodeSystem | undefined {
  return extraCodeSystems.get(url) ?? baseDefinitions().codeSystems.get(url);
}

function allConcepts(concepts: CodeSystemConcept[] | undefined, out: Set<string>): void {
  for (const c of concepts ?? []) {
    out.add(c.code);
    allConcepts(c.concept, out);
  }
}

function descendants(concepts: CodeSystemConcept[] | undefined, root: string, includeSelf: boolean, out: Set<string>): boolean {
  for (const c of concepts ?? []) {
    if (c.code === root) {
      if (includeSelf) out.add(c.code);
      allConcepts(c.concept, out);
      return true;
    }
    if (descendants(c.concept, root, includeSelf, out)) return true;
  }
  return false;
}

export function expandValueSet(canonical: string, depth = 0): ExpansionResult {
  const url = stripVersion(canonical);
  const hit = cache.get(url);
  if (hit) return hit;
  const result = doExpand(url, depth);
  cache.set(url, result);
  return result;
}

function doExpand(url: string, depth: number): ExpansionResult {
  if (depth > 10) return { ok: false, reason: `value set ${url} nests too deeply` };
  const vs = findValueSet(url);
  if (!vs) return { ok: false, reason: `value set ${url} is not available locally` };
  const bySystem = new Map<string, Set<string>>();
  const add = (system: string, codes: Iterable<string>): void => {
    let set = bySystem.get(system);
    if (!set) bySystem.set(system, (set = new Set()));
    for (const c of codes) set.add(c);
  };
  if (!vs.compose && vs.expansion?.contains) {
    for (const c of vs.expansion.contains) if (c.system && c.code) add(c.system, [c.code]);
  }
  for (const inc of vs.compose?.include ?? []) {
    for (const nested of inc.valueSet ?? []) {
      const sub = expandValueSet(nested, depth + 1);
      if (!sub.ok) return sub;
      for (const [s, codes] of sub.expansion.bySystem) add(s, codes);
    }
    if (!inc.system) continue;
    if (inc.concept) {
      add(inc.system, inc.concept.map((c) => c.code));
      continue;
    }
    const cs = findCodeSystem(inc.system);
    if (!cs || (cs.content !== 'complete' && cs.content !== undefined)) {
      return { ok: false, reason: `code system ${inc.system} is not available locally` };
    }
    const codes = new Set<string>();
    if (!inc.filter?.length) {
      allConcepts(cs.concept, codes);
    } else {
      for (const f of inc.filter) {
        if ((f.op === 'is-a' || f.op === 'descendent-of') && f.property === 'concept') {
          descendants(cs.concept, f.value, f.op === 'is-a', codes);
        } else {
          return { ok: false, reason: `value set ${url} uses a filter (${f.property} ${f.op}) that is not evaluated offline` };
        }
      }
    }
    add(inc.system, codes);
  }
  for (const exc of vs.compose?.exclude ?? []) {
    if (exc.system && exc.concept) for (const c of exc.concept) bySystem.get(exc.system)?.delete(c.code);
    else return { ok: false, reason: `value set ${url} has an exclude that is not evaluated offline` };
  }
  const all = new Set<string>();
  for (const codes of bySystem.values()) for (const c of codes) all.add(c);
  return { ok: true, expansion: { bySystem, all } };
}
