/**
 * FHIR -> results inbox: lab reports that arrive as FHIR (POST /fhir, or `frontdesk convert
 * report.json --to office`) land in the same inbox as ORU^R01 results. A DiagnosticReport, or a
 * Bundle of lab resources (Patient, DiagnosticReport, Observation, Specimen), gives one record per
 * report; its Observations and Patient come from the Bundle, else from the store (ctx.lookup). The
 * ordering provider (ORC-12/OBR-16) comes from the report's basedOn ServiceRequest's requester.
 */
import type { Bundle, DiagnosticReport, FhirResource, Observation, Patient, Practitioner, Reference, ServiceRequest } from 'fhir/r4.js';
import { issue, prefixIssues, type Issue, type Result } from '../../domain/issues.js';
import { inboxItemFromFhir, type ResultsInboxItem } from '../../adapters/results-inbox.js';
import { validateOfficeRecord } from '../../validation/index.js';
import type { ResourceLookup } from '../types.js';

const LAB_TYPES = new Set(['Patient', 'DiagnosticReport', 'Observation', 'Specimen', 'ServiceRequest', 'Practitioner', 'Organization', 'Encounter']);

/** A DiagnosticReport, or a Bundle of lab resources with at least one DiagnosticReport. */
export function isLabFhir(r: FhirResource): boolean {
  if (r.resourceType === 'DiagnosticReport') return true;
  if (r.resourceType !== 'Bundle') return false;
  const types = (r.entry ?? []).map((e) => e.resource?.resourceType ?? '');
  return types.includes('DiagnosticReport') && types.every((t) => LAB_TYPES.has(t));
}

export function inboxFromFhir(input: FhirResource, lookup: ResourceLookup): Result<ResultsInboxItem[]> {
  const entries = input.resourceType === 'Bundle' ? (input as Bundle).entry ?? [] : [{ resource: input }];
  const byRef = new Map<string, FhirResource>();
  for (const e of entries) {
    const r = e.resource as FhirResource | undefined;
    if (!r) continue;
    if ('fullUrl' in e && e.fullUrl) byRef.set(e.fullUrl, r);
    if (r.id) byRef.set(`${r.resourceType}/${r.id}`, r);
  }
  const resolve = <T extends FhirResource>(ref: Reference | undefined, type: T['resourceType']): T | undefined => {
    const s = ref?.reference;
    if (!s) return undefined;
    const hit = byRef.get(s) ?? byRef.get(s.split('/').slice(-2).join('/'));
    if (hit) return hit.resourceType === type ? (hit as T) : undefined;
    const [t, id] = s.split('/').slice(-2);
    return t === type && id ? (lookup.get(type, id) as T | undefined) : undefined;
  };
  const issues: Issue[] = [];
  const items: ResultsInboxItem[] = [];
  entries.forEach((e, i) => {
    const report = e.resource as DiagnosticReport | undefined;
    if (report?.resourceType !== 'DiagnosticReport') return;
    const at = input.resourceType === 'Bundle' ? `Bundle.entry[${i}].resource` : 'DiagnosticReport';
    if (!report.id) {
      issues.push(issue('MAP_MISSING', 'The DiagnosticReport has no id: its inbox record could not be linked back to it.', `${at}.id`));
      return;
    }
    const observations: Observation[] = [];
    (report.result ?? []).forEach((ref, k) => {
      const o = resolve<Observation>(ref, 'Observation');
      if (o) observations.push(o);
      else issues.push(issue('MAP_INFO', `${ref.reference ?? 'A result'} is neither in the input nor stored: the inbox summary leaves it out.`, `${at}.result[${k}]`, 'warning'));
    });
    const patient = resolve<Patient>(report.subject, 'Patient');
    const orderingProvider = orderingProviderOf(report, resolve);
    const item = inboxItemFromFhir({ report, observations, ...(patient ? { patient } : {}), ...(orderingProvider ? { orderingProvider } : {}) });
    issues.push(...prefixIssues(validateOfficeRecord(item), `office[${items.length}]`));
    items.push(item);
  });
  return { value: items, issues };
}

type Resolve = <T extends FhirResource>(ref: Reference | undefined, type: T['resourceType']) => T | undefined;

/** DiagnosticReport.basedOn -> ServiceRequest.requester (-> Practitioner's identifier): who ordered the tests. */
function orderingProviderOf(report: DiagnosticReport, resolve: Resolve): Reference | undefined {
  for (const based of report.basedOn ?? []) {
    const request = resolve<ServiceRequest>(based, 'ServiceRequest');
    const requester = request?.requester;
    if (!requester) continue;
    const practitioner = resolve<Practitioner>(requester, 'Practitioner');
    const identifier = practitioner?.identifier?.[0] ?? requester.identifier;
    if (!identifier?.value && !requester.display) continue;
    return { ...(identifier?.value ? { identifier } : {}), ...(requester.display ? { display: requester.display } : {}) };
  }
  return undefined;
}
