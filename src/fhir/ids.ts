/**
 * Every resource id the gateway makes, in one place: one rule per resource type, each derived
 * from the business identifier that names the thing in the real world, so the same message (or
 * office record) replayed yields the same ids and a transaction upserts instead of duplicating.
 *
 * FHIR ids allow [A-Za-z0-9\-\.]{1,64}: every id is `<type>-` plus 32 hex digits of the SHA-256
 * of the type and the rule's parts (joined by U+001F, which no HL7 or office value holds).
 * Changing a rule changes stored ids: a later message would then make a second resource, so a
 * rule changes only with a migration note.
 */
import * as nodeCrypto from 'node:crypto';
import { createHash, randomUUID } from 'node:crypto';
import type { HumanName, Identifier, Resource } from 'fhir/r4.js';

/**
 * The same identities recur message after message (a payer, a patient's updates), and a SHA-256
 * costs more than a map lookup: ids are remembered by kind and parts, up to a bound. A tree of
 * Maps, one level per part, rather than one Map keyed by the joined hash input: building that key
 * (a 100-character string per id, hashed afresh on every lookup) was most of a remembered id's
 * cost, 25 times per ORU. The id is always the hash of the joined input, so parts that join to
 * the same text (['a\u001fb'] and ['a', 'b']) still get the same id, whichever branch holds it.
 */
interface Remembered {
  id: string | undefined;
  next: Map<string, Remembered> | undefined;
}
let remembered = new Map<string, Remembered>();
let rememberedCount = 0;
const REMEMBER_AT_MOST = 10_000;

/**
 * SHA-256 of a string (UTF-8) in hex. `crypto.hash` (Node 20.12+) is the same digest in one call,
 * without a Hash object per id: about 2.6x faster, which matters for the ids a message makes new
 * (every result of every ORU). Older Node 20 releases lack it and keep createHash.
 */
const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
const sha256Hex: (s: string) => string = typeof oneShot === 'function'
  ? (s) => oneShot('sha256', s, 'hex')
  : (s) => createHash('sha256').update(s).digest('hex');

/** The hash every rule below uses; exported for the rules' tests and for test fixtures only. */
export function deterministicId(kind: string, ...parts: Array<string | number | undefined>): string {
  let level = remembered;
  let node: Remembered | undefined;
  for (let i = -1; i < parts.length; i++) {
    const p = i < 0 ? kind : parts[i];
    const key = p === undefined ? '' : String(p);
    node = level.get(key);
    if (node === undefined) level.set(key, (node = { id: undefined, next: undefined }));
    if (i + 1 < parts.length) level = (node.next ??= new Map());
  }
  if (node!.id !== undefined) return node!.id;
  let input = kind;
  for (const p of parts) input += '\u001f' + (p === undefined ? '' : String(p));
  const id = `${kind.toLowerCase()}-${sha256Hex(input).slice(0, 32)}`;
  if (rememberedCount >= REMEMBER_AT_MOST) {
    // Start again (this id is made again on its next use): the bound counts ids, not nodes.
    remembered = new Map();
    rememberedCount = 0;
    return id;
  }
  rememberedCount++;
  node!.id = id;
  return id;
}

/** Names compared for identity: case and runs of spaces do not make another payer. */
const folded = (s: string | undefined): string => (s ?? '').trim().replace(/\s+/g, ' ').toLowerCase();

/**
 * Patient: the first identifier of PID-3 (CX.4 assigning authority as system + CX.1 value), or
 * the office MRN under its system. Every vertical (ADT, SIU, ORU, DFT, office) uses this rule.
 */
export function patientId(identifier: Pick<Identifier, 'system' | 'value'>): string {
  return deterministicId('Patient', identifier.system ?? '', identifier.value ?? '');
}

/**
 * Payer Organization: its payer id (IN1-3 / office payerId, under its system) together with its
 * name (IN1-4 / office payerName, case-folded). Both are part of the identity: two coverages may
 * carry the same payer id with and without a name (a clearinghouse id shared by two plans, or a
 * sender that leaves IN1-4 empty), and merging them would put one payer's name on the other.
 * Without a payer id, the name alone.
 */
export function payerOrganizationId(payerId: string | undefined, system: string | undefined, name: string | undefined): string {
  return payerId
    ? deterministicId('Organization', system ?? '', payerId, folded(name))
    : deterministicId('Organization', 'name', folded(name));
}

/** Coverage: the beneficiary Patient, the payer Organization and the member id (IN1-36 / office memberId). */
export function coverageId(patientId: string, organizationId: string, memberId: string): string {
  return deterministicId('Coverage', patientId, organizationId, memberId);
}

/** Subscriber RelatedPerson: the patient it relates to plus the insured's name and birth date (IN1-16, IN1-18). */
export function relatedPersonId(patientId: string, name: HumanName | undefined, birthDate: string | undefined): string {
  return deterministicId('RelatedPerson', patientId, name?.family ?? '', (name?.given ?? []).join(' '), birthDate ?? '');
}

/** Appointment: the filler appointment id (SCH-2), else the placer's (SCH-1), under its system. */
export function appointmentId(key: Pick<Identifier, 'system' | 'value'>): string {
  return deterministicId('Appointment', key.system ?? '', key.value ?? '');
}

/** Practitioner: by NPI, or by another identifier (XCN-1 under XCN-9) when there is no NPI. */
export function practitionerId(system: string, value: string): string {
  return deterministicId('Practitioner', system, value);
}

/** An Organization known by an identifier (billing provider NPI, performing lab CLIA). */
export function organizationIdByIdentifier(system: string, value: string): string {
  return deterministicId('Organization', system, value);
}

/** An Organization known only by its name (a performing lab sent as OBX-23.1 without an id). */
export function organizationIdByName(name: string): string {
  return deterministicId('Organization', 'name', folded(name));
}

/** Claim: the office encounter id (the practice's claim submitter identifier, CLM01). */
export function claimId(encounterIdSystem: string, encounterId: string): string {
  return deterministicId('Claim', encounterIdSystem, encounterId);
}

/** A Coverage as a claim knows it: payer id + member id (the claim carries no patient-scoped policy). */
export function claimCoverageId(payerIdSystem: string, payerId: string, memberId: string): string {
  return deterministicId('Coverage', payerIdSystem, payerId, memberId);
}

/** The claim-submission Bundle: one per office encounter id. */
export function claimBundleId(encounterId: string): string {
  return deterministicId('Bundle', 'claim-submission', encounterId);
}

/** What a lab report is keyed by (see reportKey in flows/labs/order-key.ts). */
export interface ReportKey {
  basis: 'filler' | 'placer' | 'message';
  system?: string;
  value: string;
}

/**
 * DiagnosticReport: the filler order number (OBR-3, else ORC-3), kept by the lab for the life of
 * the order; else the placer order number (OBR-2/ORC-2); else MSH-10 + OBR position.
 */
export function diagnosticReportId(k: ReportKey): string {
  return deterministicId('DiagnosticReport', k.basis, k.system, k.value);
}

/**
 * ServiceRequest: the same order key as its DiagnosticReport (ORC-2/ORC-3, OBR-2/OBR-3): one
 * order, one request, one report.
 */
export function serviceRequestId(k: ReportKey): string {
  return deterministicId('ServiceRequest', k.basis, k.system, k.value);
}

/**
 * Observation: report key + OBX-3 code (system, code) + OBX-4 sub-id + which occurrence of that
 * code and sub-id it is in the order. Not OBX-1: labs renumber OBX segments between preliminary
 * and final results.
 */
export function observationId(k: ReportKey, codeSystem: string | undefined, code: string, subId: string, occurrence: number): string {
  return deterministicId('Observation', k.basis, k.system, k.value, codeSystem, code, subId, occurrence);
}

/** Specimen: its identifier (SPM-2) when sent, else report key + SPM position. */
export function specimenId(k: ReportKey, identifier: Pick<Identifier, 'system' | 'value'> | undefined, position: number): string {
  return identifier?.value ? deterministicId('Specimen', identifier.system, identifier.value) : deterministicId('Specimen', k.basis, k.system, k.value, position);
}

/**
 * Encounter: the visit number (PV1-19, under its assigning authority) when sent; else the
 * patient + admit time (PV1-44); else the message (MSH-10), which is not stable across messages.
 */
export function encounterId(basis: 'visit' | 'admit' | 'message', ...parts: string[]): string {
  return deterministicId('Encounter', basis, ...parts);
}

/** A resource a message produced without an id of its own: message id + position in the outputs. */
export function messageOutputId(resourceType: string, messageId: number | string, index: number): string {
  return deterministicId(resourceType, 'message', messageId, index);
}

/** A resource of a FHIR transaction posted without an id: content hash + its fullUrl (or position). */
export function transactionEntryId(resourceType: string, contentHash: string, fullUrlOrIndex: string | number): string {
  return deterministicId(resourceType, 'transaction', contentHash, fullUrlOrIndex);
}

/** urn:uuid for an ORU Bundle entry, from its `Type/id` (same id, same urn). */
export function urnForReference(typeAndId: string): string {
  const hex = deterministicId('urn', typeAndId).slice(-32);
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The urns and relative references (`${type}/${id}`) an ORU's Bundle names, remembered by type and
 * id, a few hundred of each: the same message's about 60 urns and references are found again
 * without building, flattening and hashing the text (the validators then meet strings whose hash
 * is kept), while new ids (real traffic: every result of every ORU is new) cost two Map lookups,
 * and a small Map keeps those misses cheap. Measured against 10,000 of each (ab.ts, load average
 * 10-11): with new ids per message (AB_FRESH=1) no memory at all 1.11x, 512 of each 1.05x; the
 * same message again (the bench) no memory 0.91x, 512 of each 0.99x.
 */
const REFS_AT_MOST = 512;
const urns = new Map<string, Map<string, string>>();
const references = new Map<string, Map<string, string>>();

/** `${type}/${id}`: a relative reference, or a request url. */
export function referenceOf(type: string, id: string): string {
  let byId = references.get(type);
  if (byId === undefined) references.set(type, (byId = new Map()));
  let ref = byId.get(id);
  if (ref === undefined) {
    ref = `${type}/${id}`;
    if (byId.size >= REFS_AT_MOST) byId.clear();
    byId.set(id, ref);
  }
  return ref;
}

/** urnForReference(`${type}/${id}`). */
export function urnOf(type: string, id: string): string {
  let byId = urns.get(type);
  if (byId === undefined) urns.set(type, (byId = new Map()));
  let urn = byId.get(id);
  if (urn === undefined) {
    urn = urnForReference(`${type}/${id}`);
    if (byId.size >= REFS_AT_MOST) byId.clear();
    byId.set(id, urn);
  }
  return urn;
}

/** urn:uuid for a claim Bundle entry, from the resource's type and deterministic id. */
export function urnForResource(resource: Pick<Resource, 'resourceType' | 'id'>): string {
  const hex = deterministicId('urn', resource.resourceType, resource.id).slice(4);
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** CoverageEligibilityResponse: the 271's trace number (TRN, echoing our 270) + the member id it answers for. */
export function coverageEligibilityResponseId(trace: string, memberId: string): string {
  return deterministicId('CoverageEligibilityResponse', trace, memberId);
}

/** ClaimResponse: where it came from (277CA, 835) + our claim id + the payer's claim number + when it was made. */
export function claimResponseId(source: string, claimId: string, payerClaimNumber: string, created: string): string {
  return deterministicId('ClaimResponse', source, claimId, payerClaimNumber, created);
}

/** MSH-10 of a message we generate from the same content (same content, same control id). */
export function contentControlId(event: string, content: string): string {
  return deterministicId('msg', event, content).slice(4, 24);
}

/**
 * The id of a resource created through the FHIR API (POST /fhir/{type}) without a business rule:
 * the server assigns it (R4 RESTful API, create), a random UUID, which fits the id pattern.
 */
export function serverAssignedId(): string {
  return randomUUID();
}
