/**
 * Specimen from SPM (v2.5+) or, for older messages without SPM, from OBR-15 (specimen source,
 * SPS: 1 source name/code as CE subcomponents, 4 body site).
 */
import type { CodeableConcept, Identifier, Reference, Specimen } from 'fhir/r4.js';
import type { Issue } from '../../domain/issues.js';
import type { Hl7Message, Hl7Segment } from '../../hl7/message.js';
import { DATATYPES } from '../../mapping/datatypes/index.js';
import { fieldTree, readSegment } from '../../mapping/engine.js';
import { loadMapping, segmentMap } from '../../mapping/loader.js';
import { codeTable, toFhirCode } from '../../mapping/tables.js';
import { specimenId, type ReportKey } from '../../fhir/ids.js';

const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';

/**
 * A specimen type code sent without a coding system gets the HL7 table's system when it is one
 * of its codes: table 0487 for SPM-4, table 0070 (whose codes 0487 continues) for OBR-15.
 */
function withSpecimenSystem(cc: CodeableConcept | undefined, system = codeTable('0487')!.fhirSystem): CodeableConcept | undefined {
  const c = cc?.coding?.[0];
  if (c && !c.system && c.code && toFhirCode('0487', c.code)) c.system = system;
  return cc;
}

/** SPM-2 specimen id (EIP: 1 placer-assigned EI, 2 filler-assigned EI, each as subcomponents). */
function spmIdentifiers(spm: Hl7Segment): Identifier[] {
  const out: Identifier[] = [];
  const rep = fieldTree(spm, 2)[0];
  if (!rep) return out;
  for (const [i, code] of [[0, 'PLAC'], [1, 'FILL']] as const) {
    const ei = rep[i];
    if (!ei || !ei[0]) continue;
    const id = DATATYPES.EI!.toFhir([...ei.map((s) => [s])], { where: '', timezone: 'UTC' }).value as Identifier | undefined;
    if (id) out.push({ ...id, type: { coding: [{ system: V2_0203, code }] } });
  }
  return out;
}

export function specimenFromSpm(msg: Hl7Message, spm: Hl7Segment, key: ReportKey, position: number, subject: Reference | undefined, timezone: string): { value: Specimen; issues: Issue[] } {
  const read = readSegment(msg, spm, segmentMap(loadMapping('oru'), 'SPM'), { timezone });
  const body = read.value as Partial<Specimen>;
  const identifier = spmIdentifiers(spm);
  const main = identifier.find((i) => i.type?.coding?.[0]?.code === 'FILL') ?? identifier[0];
  const specimen: Specimen = {
    resourceType: 'Specimen',
    id: specimenId(key, main, position),
    ...(identifier.length ? { identifier } : {}),
    ...(body.type ? { type: withSpecimenSystem(body.type) } : {}),
    ...(subject ? { subject } : {}),
    ...(body.receivedTime ? { receivedTime: body.receivedTime } : {}),
    ...(body.collection ? { collection: body.collection } : {}),
  };
  return { value: specimen, issues: read.issues };
}

/** OBR-15 specimen source (v2.3-v2.4): only when the order has no SPM. */
export function specimenFromObr15(msg: Hl7Message, obr: Hl7Segment, key: ReportKey, subject: Reference | undefined, collected: string | undefined): Specimen | undefined {
  const rep = fieldTree(obr, 15)[0];
  if (!rep || rep.every((c) => c.every((s) => s === ''))) return undefined;
  // SPS.1 is a CE whose parts are subcomponents: code & text & coding system.
  const asCwe = (comp: string[] | undefined) => (comp ? (DATATYPES.CWE!.toFhir(comp.map((s) => [s]), { where: msg.location(obr, 15), timezone: 'UTC' }).value as CodeableConcept | undefined) : undefined);
  const type = withSpecimenSystem(asCwe(rep[0]), 'http://terminology.hl7.org/CodeSystem/v2-0070');
  const bodySite = asCwe(rep[3]);
  return {
    resourceType: 'Specimen',
    id: specimenId(key, undefined, 1),
    ...(type ? { type } : {}),
    ...(subject ? { subject } : {}),
    ...(collected || bodySite ? { collection: { ...(collected ? { collectedDateTime: collected } : {}), ...(bodySite ? { bodySite } : {}) } } : {}),
  };
}
