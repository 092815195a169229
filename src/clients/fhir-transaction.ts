/**
 * Make a Bundle safe to deliver more than once. Every entry whose resource carries a business
 * identifier (system + value) is written conditionally on it:
 * - conditional-update: `PUT Patient?identifier=system|value` (create if absent, update in place if present);
 * - conditional-create: `POST Patient` with `ifNoneExist: identifier=system|value` (left alone if present).
 * Either way a re-delivery of the same Bundle matches what the first delivery wrote and adds nothing.
 * Server-side ids are the EHR's, so entries get `urn:uuid:` fullUrls (derived from our own ids, so
 * deterministic) and references between entries are rewritten to them; the server resolves them.
 */
import { createHash } from 'node:crypto';
import type { Bundle, BundleEntry, FhirResource, Identifier } from 'fhir/r4.js';
import { issue, type Issue, type Result } from '../domain/issues.js';
import { rewriteReferences } from '../fhir/references.js';

export type WriteMode = 'conditional-update' | 'conditional-create';

/** A UUID (v4 layout) derived from a key, so the same entry always gets the same fullUrl. */
export function uuidFor(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  const v = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${v}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The first identifier with both system and value: the business key. */
export function businessIdentifier(r: FhirResource): Identifier | undefined {
  const ids = (r as { identifier?: Identifier | Identifier[] }).identifier;
  const list = Array.isArray(ids) ? ids : ids ? [ids] : [];
  return list.find((i) => i.system && i.value);
}

export function identifierQuery(id: Identifier): string {
  return `identifier=${encodeURIComponent(id.system!)}|${encodeURIComponent(id.value!)}`;
}

/**
 * Turn a resource or a Bundle (transaction, batch or collection) into a transaction Bundle of
 * conditional writes. Entries without a business identifier keep their own request (or a PUT by
 * id), with a warning: only identified entries are safe against duplicates on any server.
 */
export function prepareTransaction(input: FhirResource, mode: WriteMode): Result<Bundle> {
  const issues: Issue[] = [];
  const source: BundleEntry[] = input.resourceType === 'Bundle'
    ? structuredClone(input.entry ?? [])
    : [{ resource: structuredClone(input) }];
  const map = new Map<string, string>();
  source.forEach((e, i) => {
    const r = e.resource;
    if (!r) return;
    const fullUrl = e.fullUrl?.startsWith('urn:uuid:') ? e.fullUrl : `urn:uuid:${uuidFor(`${r.resourceType}/${r.id ?? `entry-${i}`}`)}`;
    if (r.id) map.set(`${r.resourceType}/${r.id}`, fullUrl);
    if (e.fullUrl) map.set(e.fullUrl, fullUrl);
    e.fullUrl = fullUrl;
  });
  const entry: BundleEntry[] = [];
  source.forEach((e, i) => {
    if (!e.resource) {
      if (e.request?.method === 'DELETE') entry.push({ request: e.request });
      return;
    }
    const r = rewriteReferences(e.resource, map) as FhirResource;
    const bid = businessIdentifier(r);
    if (bid) {
      const q = identifierQuery(bid);
      const { id: _id, meta: _meta, ...rest } = r as FhirResource & { meta?: unknown };
      const resource = rest as FhirResource;
      entry.push(mode === 'conditional-update'
        ? { fullUrl: e.fullUrl!, resource, request: { method: 'PUT', url: `${r.resourceType}?${q}` } }
        : { fullUrl: e.fullUrl!, resource, request: { method: 'POST', url: r.resourceType, ifNoneExist: q } });
      return;
    }
    const request = e.request ?? (r.id ? { method: 'PUT' as const, url: `${r.resourceType}/${r.id}` } : { method: 'POST' as const, url: r.resourceType });
    if (request.method === 'POST' && !request.ifNoneExist) {
      issues.push(issue('MAP_INFO', `${r.resourceType} has no business identifier: a re-delivery may create a duplicate.`, `Bundle.entry[${i}].resource.identifier`, 'warning'));
    }
    entry.push({ fullUrl: e.fullUrl!, resource: r, request });
  });
  const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry };
  return { value: bundle, issues };
}
