/**
 * OBX (+ its NTEs) -> Observation: code OBX-3, value OBX-5 by OBX-2 (./values.ts), units OBX-6,
 * reference range OBX-7, interpretation OBX-8 (table 0078), status OBX-11 (table 0085),
 * effective OBX-14 (else the report's), performer OBX-16, method OBX-17, notes NTE-3.
 */
import type { Attachment, Observation, Reference } from 'fhir/r4.js';
import { hasErrors, issue, type Issue } from '../../domain/issues.js';
import type { Hl7Message } from '../../hl7/message.js';
import { fieldTree, readSegment } from '../../mapping/engine.js';
import { loadMapping, segmentMap } from '../../mapping/loader.js';
import type { ObservationGroup } from './groups.js';
import { observationId, type ReportKey } from '../../fhir/ids.js';
import { obxValue, referenceRange } from './values.js';

export const LABORATORY = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory', display: 'Laboratory' }] };
const DATA_ABSENT = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';
const HAS_VALUE_STATUSES = new Set(['final', 'amended', 'corrected']);

export interface ObservationDraft {
  /** Undefined for ED/RP results: R4 Observation cannot hold an Attachment (see `attachment`). */
  observation?: Observation;
  attachment?: Attachment;
}

export interface ObservationContext {
  key: ReportKey;
  subject?: Reference;
  /** Report effective time, for OBX without OBX-14. */
  effective?: string;
  issued?: string;
  specimen?: Reference;
  timezone: string;
  /** Occurrence of this code/sub-id in the order so far (for the id). */
  occurrence: number;
}

/** The Observation's identity within its order: OBX-3 code and system, OBX-4 sub-id. */
export function obxIdentity(group: ObservationGroup): string {
  const o = group.obx;
  return o.get(3, 3) + '|' + o.get(3, 1) + '|' + o.get(4);
}

export function buildObservation(msg: Hl7Message, group: ObservationGroup, ctx: ObservationContext): { value: ObservationDraft; issues: Issue[] } {
  const { obx } = group;
  const issues: Issue[] = [];
  const read = readSegment(msg, obx, segmentMap(loadMapping('oru'), 'OBX'), { timezone: ctx.timezone });
  issues.push(...read.issues);
  const body = read.value as Partial<Observation>;
  const val = obxValue(msg, obx, ctx.timezone);
  issues.push(...val.issues);

  if (val.value.attachment) {
    const title = body.code?.text ?? body.code?.coding?.[0]?.display ?? body.code?.coding?.[0]?.code;
    issues.push(issue('MAP_INFO', `${msg.location(obx, 5)} is a document (${obx.get(2)}): it becomes DiagnosticReport.presentedForm, since an R4 Observation cannot hold an attachment.`, msg.location(obx, 5)));
    return { value: { attachment: { ...val.value.attachment, ...(title ? { title } : {}) } }, issues };
  }

  const hl7Status = obx.get(11).trim().toUpperCase();
  const status = (body.status ?? 'unknown') as Observation['status'];
  let dataAbsentReason: Observation['dataAbsentReason'];
  if (!val.value.member) {
    const valueErrors = hasErrors(val.issues);
    if (hl7Status === 'N') dataAbsentReason = { coding: [{ system: DATA_ABSENT, code: 'not-asked', display: 'Not Asked' }] };
    else if (hl7Status === 'X') dataAbsentReason = { coding: [{ system: DATA_ABSENT, code: 'not-performed', display: 'Not Performed' }] };
    else if (valueErrors) dataAbsentReason = { coding: [{ system: DATA_ABSENT, code: 'error', display: 'Error' }] };
    else if (HAS_VALUE_STATUSES.has(status)) {
      dataAbsentReason = { coding: [{ system: DATA_ABSENT, code: 'unknown', display: 'Unknown' }] };
      issues.push(issue('MAP_MISSING', `${msg.location(obx, 5)} is empty although ${msg.location(obx, 11)} says the result is ${status}.`, msg.location(obx, 5), 'warning'));
    }
  }

  const range = referenceRange(obx);
  const notes = group.notes.length ? notesOf(group) : NO_NOTES;
  const effective = body.effectiveDateTime ?? ctx.effective;
  const codeSystem = body.code?.coding?.[0]?.system;
  const code = body.code?.coding?.[0]?.code ?? body.code?.text ?? '';

  // Members assigned in the order the resource is written (its JSON is stored and compared byte
  // for byte); assignments rather than `...(x ? { x } : {})`, which made and copied an object per
  // member for each of the 25+ results of a message.
  const observation: Observation = {
    resourceType: 'Observation',
    id: observationId(ctx.key, codeSystem, code, obx.get(4), ctx.occurrence),
    status,
    category: [LABORATORY],
    code: body.code ?? { text: 'unknown' },
  };
  if (ctx.subject) observation.subject = ctx.subject;
  if (effective) observation.effectiveDateTime = effective;
  if (ctx.issued) observation.issued = ctx.issued;
  if (body.performer) observation.performer = body.performer;
  if (val.value.member) Object.assign(observation, val.value.member);
  if (dataAbsentReason) observation.dataAbsentReason = dataAbsentReason;
  if (body.interpretation) observation.interpretation = body.interpretation;
  if (notes.length) observation.note = notes;
  if (body.method) observation.method = body.method;
  if (ctx.specimen) observation.specimen = ctx.specimen;
  if (range) observation.referenceRange = [range];
  return { value: { observation }, issues };
}

const NO_NOTES: Array<{ text: string }> = [];

/** NTE-3 of the OBX's notes, each repetition re-joined as sent (components `^`, subcomponents `&`). */
function notesOf(group: ObservationGroup): Array<{ text: string }> {
  return group.notes.flatMap((n) => fieldTree(n, 3).map((r) => r.map((c) => c.join('&')).join('^'))).filter(Boolean).map((text) => ({ text }));
}
