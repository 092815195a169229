/**
 * Processing of an office record posted to `/office/{kind}`: check its recordType matches the
 * endpoint, validate it against its JSON Schema (validateOfficeRecord), convert it to FHIR with
 * the vertical's converter, and hand the result on as a FlowOutput (resources upserted, the
 * record kept, destinations queued).
 */
import type { BundleEntry } from 'fhir/r4.js';
import { hasErrors, issue, type Issue } from '../../domain/issues.js';
import { checkOfficeRecord } from '../../validation/index.js';
import { converters } from '../registry.js';
import type { FlowContext, IntakeRun } from '../types.js';

export function processOfficeRecord(raw: string, expectedRecordType: string | undefined, ctx: FlowContext): IntakeRun {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (e) {
    return { state: 'rejected', issues: [issue('JSON_INVALID', `Body is not valid JSON: ${(e as Error).message}`)] };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { state: 'rejected', issues: [issue('OFFICE_SCHEMA', 'An office record must be a JSON object.')] };
  }
  const recordType = 'recordType' in body ? body.recordType : undefined;
  if (expectedRecordType !== undefined && recordType !== expectedRecordType) {
    return {
      state: 'rejected',
      issues: [issue('OFFICE_SCHEMA', `This endpoint takes recordType "${expectedRecordType}"; got ${JSON.stringify(recordType ?? null)}.`, 'recordType')],
    };
  }
  // The record as kept and sent on: what the office need not know filled in (an office merge
  // names MRNs; the record carries the Patient ids too), then checked against its schema.
  const posted: Record<string, unknown> = { ...body };
  const conv = converters.find((c) => c.accepts({ kind: 'office', recordType: String(recordType), record: posted }));
  const completed = conv?.completeOffice ? conv.completeOffice(posted) : { value: posted, issues: [] };
  const checked = checkOfficeRecord(completed.value ?? posted);
  const issues: Issue[] = [...completed.issues, ...checked.issues];
  const record = checked.value;
  if (!record || hasErrors(issues)) return { state: 'error', issues };
  const input = { kind: 'office' as const, recordType: record.recordType, record };
  if (!conv) {
    return { state: 'rejected', issues: [...issues, issue('OFFICE_SCHEMA', `No converter handles office records of type "${input.recordType}".`, 'recordType')] };
  }
  const res = conv.convert(input, 'fhir', ctx);
  issues.push(...res.issues);
  if (hasErrors(issues)) return { state: 'error', issues };
  if (res.value?.to !== 'fhir') {
    // A converter that reports no error must produce FHIR: anything else is a bug, not the sender's fault.
    return { state: 'error', issues: [...issues, issue('INTERNAL', `The ${conv.name} converter produced no FHIR resource for this record.`)] };
  }
  const fhir = res.value.resource;
  const entries: BundleEntry[] = fhir.resourceType === 'Bundle'
    ? (fhir.entry ?? []).filter((e) => e.resource).map((e) => ({ ...e, request: e.request ?? { method: 'PUT', url: `${e.resource!.resourceType}/${e.resource!.id ?? ''}` } }))
    : [{ fullUrl: `${fhir.resourceType}/${fhir.id ?? ''}`, resource: fhir, request: { method: 'PUT', url: `${fhir.resourceType}/${fhir.id ?? ''}` } }];
  return { state: 'processed', issues, output: { bundle: { resourceType: 'Bundle', type: 'transaction', entry: entries }, office: [record] } };
}
