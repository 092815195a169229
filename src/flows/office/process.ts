/**
 * Processing of an office record posted to `/office/{kind}`: check its recordType matches the
 * endpoint, validate it against its JSON Schema (validateOfficeRecord), convert it to FHIR with
 * the vertical's converter, and hand the result on as a FlowOutput (resources upserted, the
 * record kept, destinations queued).
 */
import type { Bundle, BundleEntry, FhirResource } from 'fhir/r4.js';
import { hasErrors, httpStatusOf, issue, type Issue } from '../../domain/issues.js';
import { validateOfficeRecord } from '../../validation/index.js';
import { converters } from '../registry.js';
import type { FlowContext } from '../types.js';
import type { ApiProcessing } from '../fhir-transaction/index.js';

export function processOfficeRecord(raw: string, expectedRecordType: string | undefined, ctx: FlowContext): ApiProcessing {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(raw) as Record<string, unknown>;
  } catch (e) {
    return { state: 'rejected', status: 400, issues: [issue('JSON_INVALID', `Body is not valid JSON: ${(e as Error).message}`)] };
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    return { state: 'rejected', status: 400, issues: [issue('OFFICE_SCHEMA', 'An office record must be a JSON object.')] };
  }
  if (expectedRecordType !== undefined && record.recordType !== expectedRecordType) {
    return {
      state: 'rejected', status: 422,
      issues: [issue('OFFICE_SCHEMA', `This endpoint takes recordType "${expectedRecordType}"; got ${JSON.stringify(record.recordType ?? null)}.`, 'recordType')],
    };
  }
  const issues: Issue[] = validateOfficeRecord(record);
  if (hasErrors(issues)) return { state: 'error', status: httpStatusOf(issues), issues };
  const input = { kind: 'office' as const, recordType: String(record.recordType), record };
  const conv = converters.find((c) => c.accepts(input));
  if (!conv) {
    return { state: 'rejected', status: 422, issues: [...issues, issue('INPUT_FORMAT_UNKNOWN', `No converter handles office records of type "${input.recordType}".`, 'recordType')] };
  }
  const res = conv.convert(input, 'fhir', ctx);
  issues.push(...res.issues);
  if (!res.value || typeof res.value === 'string' || !('resourceType' in res.value) || hasErrors(issues)) {
    return { state: 'error', status: hasErrors(issues) ? httpStatusOf(issues) : 500, issues };
  }
  const fhir = res.value as FhirResource;
  const entries: BundleEntry[] = fhir.resourceType === 'Bundle'
    ? ((fhir as Bundle).entry ?? []).filter((e) => e.resource).map((e) => ({ ...e, request: e.request ?? { method: 'PUT', url: `${e.resource!.resourceType}/${e.resource!.id ?? ''}` } }))
    : [{ fullUrl: `${fhir.resourceType}/${fhir.id ?? ''}`, resource: fhir, request: { method: 'PUT', url: `${fhir.resourceType}/${fhir.id ?? ''}` } }];
  return { state: 'processed', status: 201, issues, output: { bundle: { resourceType: 'Bundle', type: 'transaction', entry: entries }, office: [record] } };
}
