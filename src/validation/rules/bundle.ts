/**
 * Bundle rules that no invariant expresses (the reference validator's Bundle checks, R4 Bundle
 * page 2.36.4): a link relation (self, first, previous, next, last) at most once; an entry's
 * fullUrl absolute (a relative fullUrl cannot be resolved), and when it looks like a RESTful URL
 * (`.../Type/id`) it ends with the entry resource's own type and id; search-set results carry an
 * id, an `outcome` entry is an OperationOutcome, and a `match` entry has the type searched for.
 * When several entries share a fullUrl (versions of one resource), a reference to it must say
 * which: an unversioned reference matches them all, a versioned one must match a meta.versionId.
 */
import { issue, type Issue } from '../../domain/issues.js';
import { baseDefinitions } from '../definitions.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Relations the Bundle page defines for paging and identity: each names one URL. */
const SINGLE_RELATIONS = new Set(['self', 'first', 'previous', 'prev', 'next', 'last']);
const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const RESTFUL = /^https?:\/\/.+\/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/**
 * `lenient` (the gateway's own traffic): a relative fullUrl is a warning, since the entry is
 * still found by Type/id and nothing is lost; for material checked against base R4 it is an
 * error, as the reference validator reports it.
 */
export function bundleRules(bundle: Json, path: string, lenient: boolean): Issue[] {
  const out: Issue[] = [];
  const seen = new Set<string>();
  const links = Array.isArray(bundle.link) ? bundle.link : [];
  links.forEach((l, i) => {
    const rel = isObject(l) ? l.relation : undefined;
    if (typeof rel !== 'string' || !SINGLE_RELATIONS.has(rel)) return;
    if (seen.has(rel)) out.push(issue('FHIR_BUNDLE_RULE', `The link relation '${rel}' can only occur once.`, `${path}.link[${i}]`));
    seen.add(rel);
  });
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  const searched = bundle.type === 'searchset' ? searchedTypes(links) : undefined;
  entries.forEach((e, i) => {
    if (!isObject(e)) return;
    const where = `${path}.entry[${i}]`;
    const res = isObject(e.resource) ? e.resource : undefined;
    const rt = typeof res?.resourceType === 'string' ? res.resourceType : undefined;
    const id = typeof res?.id === 'string' ? res.id : undefined;
    if (typeof e.fullUrl === 'string' && e.fullUrl !== '') {
      if (!ABSOLUTE.test(e.fullUrl)) {
        // In a transaction or batch the receiving server resolves it against its own base: a warning.
        const submitted = bundle.type === 'transaction' || bundle.type === 'batch';
        out.push(issue('FHIR_BUNDLE_RULE', `The fullUrl must be an absolute URL (not '${clip(e.fullUrl)}').`, `${where}.fullUrl`, lenient || submitted ? 'warning' : 'error'));
      } else if (rt) {
        const m = RESTFUL.exec(e.fullUrl);
        if (m && baseDefinitions().resourceTypes.has(m[1]!) && (m[1] !== rt || (id !== undefined && m[2] !== id))) {
          out.push(issue('FHIR_BUNDLE_RULE', `The fullUrl '${clip(e.fullUrl)}' looks like a RESTful server URL, so it must end with the type and id of its resource (/${rt}/${id ?? '(no id)'}).`, `${where}.fullUrl`));
        }
      }
    }
    if (bundle.type === 'searchset' && res) {
      const mode = isObject(e.search) ? e.search.mode : undefined;
      if (mode === 'outcome' || (mode === undefined && rt === 'OperationOutcome')) {
        if (rt !== 'OperationOutcome') out.push(issue('FHIR_BUNDLE_RULE', `A search entry with mode 'outcome' must be an OperationOutcome, not a ${rt ?? 'resource without resourceType'}.`, `${where}.resource`));
        return;
      }
      if (id === undefined) out.push(issue('FHIR_BUNDLE_RULE', 'Search results must have ids.', `${where}.resource`));
      if (mode === 'match' && rt && searched && !searched.has(rt)) {
        out.push(issue('FHIR_BUNDLE_RULE', `A ${rt} is not a match for the search in the self link (expecting ${[...searched].join(', ')}).`, `${where}.resource`));
      }
    }
  });
  out.push(...versionedReferences(entries, path));
  return out;
}

/** References into entries that share a fullUrl (see file comment); nothing to do otherwise. */
function versionedReferences(entries: unknown[], path: string): Issue[] {
  const byUrl = new Map<string, { versions: Set<string>; count: number }>();
  for (const e of entries) {
    if (!isObject(e) || typeof e.fullUrl !== 'string' || !RESTFUL.test(e.fullUrl)) continue;
    const meta = isObject(e.resource) && isObject(e.resource.meta) ? e.resource.meta : undefined;
    const seen = byUrl.get(e.fullUrl) ?? { versions: new Set<string>(), count: 0 };
    seen.count++;
    if (typeof meta?.versionId === 'string') seen.versions.add(meta.versionId);
    byUrl.set(e.fullUrl, seen);
  }
  const shared = [...byUrl].filter(([, v]) => v.count > 1);
  if (shared.length === 0) return [];
  const out: Issue[] = [];
  entries.forEach((e, i) => {
    if (!isObject(e) || !isObject(e.resource)) return;
    visitReferences(e.resource, `${path}.entry[${i}].resource`, (ref, where) => {
      const m = /^(.*?)(?:\/_history\/([^/]+))?$/.exec(ref)!;
      const [target, version] = [m[1]!, m[2]];
      for (const [url, v] of shared) {
        if (url !== target && !url.endsWith(`/${target}`)) continue;
        if (version === undefined) out.push(issue('FHIR_BUNDLE_RULE', `Reference '${clip(ref)}' matches ${v.count} entries of the Bundle (fullUrl ${clip(url)}); name the version (/_history/n).`, where));
        else if (!v.versions.has(version)) out.push(issue('FHIR_BUNDLE_RULE', `Reference '${clip(ref)}': no entry with fullUrl ${clip(url)} has version ${clip(version)} (versions ${[...v.versions].join(', ') || 'none'}).`, where));
      }
    });
  });
  return out;
}

function visitReferences(v: unknown, where: string, found: (ref: string, where: string) => void, depth = 0): void {
  if (depth > 100) return; // the walker reports hostile nesting
  if (Array.isArray(v)) v.forEach((x, i) => visitReferences(x, `${where}[${i}]`, found, depth + 1));
  else if (isObject(v)) {
    if (typeof v.reference === 'string' && v.reference !== '') found(v.reference, `${where}.reference`);
    for (const k in v) if (k !== 'reference' && typeof v[k] === 'object') visitReferences(v[k], `${where}.${k}`, found, depth + 1);
  }
}

/**
 * The resource types a search-set's self link asks for: the type in its path (`Patient?name=x`)
 * or its `_type` parameter. Undefined when it cannot be told (no self link, a system search).
 */
function searchedTypes(links: unknown[]): Set<string> | undefined {
  const self = links.find((l) => isObject(l) && l.relation === 'self');
  const url = isObject(self) && typeof self.url === 'string' ? self.url : undefined;
  if (!url) return undefined;
  const [pathPart, query = ''] = url.split('?', 2) as [string, string?];
  const types = baseDefinitions().resourceTypes;
  const params = new URLSearchParams(query);
  const typeParam = params.get('_type');
  if (typeParam) {
    const listed = typeParam.split(',').filter((t) => types.has(t));
    return listed.length ? new Set(listed) : undefined;
  }
  const last = pathPart.split('/').filter(Boolean).pop() ?? '';
  return types.has(last) ? new Set([last]) : undefined;
}

function clip(s: string): string {
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}
