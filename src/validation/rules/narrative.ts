/**
 * Links inside the narrative (`text.div`): a local hyperlink `<a href="#x">` must name something
 * that exists: an element or resource id, or an anchor (`id=` / `name=`) in a narrative. Inside a
 * Bundle the whole Bundle counts (documents link across their entries). Only resources whose
 * narrative has a local link pay for the id collection.
 */
import { issue, type Issue } from '../../domain/issues.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const LOCAL_HREF = /<a\b[^>]*\bhref\s*=\s*["']#([^"']*)["']/gi;
const ANCHOR = /\b(?:id|name)\s*=\s*["']([^"']+)["']/gi;

export function narrativeLinks(resource: Json, path: string, scope: Json, targetsCache: { ids?: Set<string> }): Issue[] {
  const text = resource.text;
  const div = isObject(text) ? text.div : undefined;
  if (typeof div !== 'string' || !div.includes('#')) return [];
  const out: Issue[] = [];
  for (const m of div.matchAll(LOCAL_HREF)) {
    const target = decoded(m[1]!);
    if (target === '') continue;
    targetsCache.ids ??= collectTargets(scope);
    if (!targetsCache.ids.has(target)) {
      out.push(issue('FHIR_NARRATIVE_LINK', `Hyperlink '#${target}' in the narrative does not resolve: no element, resource or anchor has that id.`, `${path}.text.div`));
    }
  }
  return out;
}

function collectTargets(scope: unknown): Set<string> {
  const ids = new Set<string>();
  const visit = (v: unknown, key: string | undefined): void => {
    if (typeof v === 'string') {
      if (key === 'id') ids.add(v);
      else if (key === 'div') for (const m of v.matchAll(ANCHOR)) ids.add(m[1]!);
    } else if (Array.isArray(v)) {
      for (const x of v) visit(x, key);
    } else if (isObject(v)) {
      for (const k in v) visit(v[k], k);
    }
  };
  visit(scope, undefined);
  return ids;
}

function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // a stray % is compared as written
  }
}
