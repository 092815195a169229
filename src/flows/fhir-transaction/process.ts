/**
 * Processing of a FHIR transaction Bundle posted to `POST /fhir`:
 * validate (validateResource, the whole Bundle and each entry against its profile), resolve
 * conditional creates (If-None-Exist by identifier: one match is kept, several are 412), give
 * every POSTed resource a deterministic id (same Bundle again = same ids), rewrite the Bundle's
 * internal references (fullUrl urn:uuid -> Type/id), and route each resource into the verticals'
 * converters to produce the office records. All or nothing: any error stores no output.
 */
import { withRewrittenReferences } from '../../fhir/references.js';
import type { Bundle, BundleEntry, FhirResource } from 'fhir/r4.js';
import { hasErrors, issue, type Issue } from '../../domain/issues.js';
import { validateResource } from '../../validation/index.js';
import type { FlowContext, IntakeRun } from '../types.js';
import { transactionEntryId } from '../../fhir/ids.js';
import type { ResourceStore } from '../../store/index.js';
import { parseIdentifierQuery } from '../../fhir/identifier-query.js';
import { storeReader, withStoredLookup } from '../stored-lookup.js';
import { routeToConverters } from './route.js';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** What a transaction reads of the store (inside the processing transaction). */
export type FhirTransactionReads = Pick<ResourceStore, 'get' | 'findByIdentifier'>;

export async function processFhirTransaction(resources: FhirTransactionReads, raw: string, contentHash: string, ctx: Omit<FlowContext, 'lookup'>): Promise<IntakeRun> {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (e) {
    return { state: 'rejected', issues: [issue('JSON_INVALID', `Body is not valid JSON: ${(e as Error).message}`)] };
  }
  if (!isBundle(body)) {
    return { state: 'rejected', issues: [issue('FHIR_NOT_TRANSACTION', 'POST /fhir takes a Bundle of type transaction.', 'resourceType')] };
  }
  const bundle = body;
  if (bundle.type !== 'transaction') {
    return { state: 'rejected', issues: [issue('FHIR_NOT_TRANSACTION', `Bundle.type must be "transaction"; got "${String(bundle.type)}".`, 'Bundle.type')] };
  }
  const issues = validateResource(bundle);
  if (hasErrors(issues)) return { state: 'error', issues };

  const entries = bundle.entry ?? [];
  const refMap = new Map<string, string>();
  const resolved: Array<BundleEntry<FhirResource>> = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const at = `Bundle.entry[${i}]`;
    const r = e.resource;
    const method = e.request?.method;
    if (!r || (method !== 'POST' && method !== 'PUT')) {
      issues.push(issue('FHIR_VALUE', `Only POST and PUT entries with a resource are supported; entry ${i} has ${method ?? 'no request'}.`, `${at}.request.method`));
      continue;
    }
    let id: string | undefined;
    if (method === 'PUT') {
      const m = /^([A-Za-z]+)\/([^/?]+)$/.exec(e.request!.url ?? '');
      if (!m || m[1] !== r.resourceType || !ID.test(m[2]!)) {
        issues.push(issue('FHIR_VALUE', `PUT entries need request.url "${r.resourceType}/<id>"; got "${e.request!.url ?? ''}".`, `${at}.request.url`));
        continue;
      }
      id = m[2]!;
    } else if (e.request!.ifNoneExist) {
      const q = parseIdentifierQuery(e.request!.ifNoneExist);
      if (!q) {
        issues.push(issue('FHIR_VALUE', `ifNoneExist supports "identifier=system|value" only; got "${e.request!.ifNoneExist}".`, `${at}.request.ifNoneExist`));
        continue;
      }
      const found = await resources.findByIdentifier(r.resourceType, q.system, q.value);
      if (found.length > 1) {
        issues.push(issue('PRECONDITION_FAILED', `ifNoneExist matches ${found.length} ${r.resourceType} resources; it must match at most one.`, `${at}.request.ifNoneExist`));
        continue;
      }
      id = found[0];
    }
    id ??= transactionEntryId(r.resourceType, contentHash, e.fullUrl ?? i);
    if (e.fullUrl) refMap.set(e.fullUrl, `${r.resourceType}/${id}`);
    resolved.push({ ...e, resource: { ...r, id } });
  }
  if (hasErrors(issues)) return { state: 'error', issues };

  const out: Array<BundleEntry<FhirResource>> = [];
  for (const e of resolved) {
    const resource = withRewrittenReferences(e.resource!, refMap);
    const exists = e.request!.method === 'POST' && e.request!.ifNoneExist && (await resources.get(resource.resourceType, resource.id!));
    out.push({
      fullUrl: `${resource.resourceType}/${resource.id}`,
      resource,
      // Conditional creates that matched keep POST + ifNoneExist, so the store leaves the existing resource as it is.
      request: exists ? { method: 'POST', url: resource.resourceType, ifNoneExist: e.request!.ifNoneExist! } : { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
    });
  }

  const routed = await withStoredLookup(
    storeReader(resources),
    (lookup) => {
      const found: Issue[] = [];
      return { office: routeToConverters(out, { ...ctx, lookup }, found), issues: found };
    },
  );
  issues.push(...routed.issues);
  const office = routed.office;
  if (hasErrors(issues)) return { state: 'error', issues };
  return { state: 'processed', issues, output: { bundle: { resourceType: 'Bundle', type: 'transaction', entry: out }, office } };
}

/** A parsed body that says it is a Bundle; the validator checks the rest of its shape next. */
function isBundle(body: unknown): body is Bundle<FhirResource> {
  return typeof body === 'object' && body !== null && 'resourceType' in body && body.resourceType === 'Bundle';
}
