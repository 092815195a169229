/**
 * Identifier types: CX (PID.3 and friends), EI (entity identifier: SCH.1/2, OBR.2/3), and the
 * assigning authority (HD) <-> Identifier.system rule they share.
 */
import type { Identifier } from 'fhir/r4.js';
import { ok, type Issue, type Result } from '../../domain/issues.js';
import { hl7Tables } from '../../hl7/dictionary.js';
import { fhirToHl7DateTime, hl7ToFhirDateTime } from '../datetime.js';
import { toFhirCode, toHl7Code } from '../tables.js';
import { comp, type DatatypeTransform, type Rep, type TransformContext } from './types.js';

const OID = /^[0-2](\.(0|[1-9]\d*))+$/;
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
/** Namespaces without a configured URI become `urn:frontdesk:ns:<namespace>` so they round-trip. */
const NS_PREFIX = 'urn:frontdesk:ns:';

/** A URN for a local name (namespace, coding system) that has no URI of its own; percent-encoded so spaces still give a valid uri. */
export function localUrn(prefix: string, name: string): string {
  return prefix + encodeURIComponent(name);
}

/** HD (namespace^universal id^universal id type) -> Identifier.system. */
export function systemFromAuthority(namespace: string, universalId: string): string | undefined {
  if (universalId && OID.test(universalId)) return `urn:oid:${universalId}`;
  if (universalId && /^[a-z]+:/i.test(universalId)) return universalId;
  if (!namespace) return undefined;
  // Percent-encoded: namespaces like "GOOD HEALTH HOSPITAL" must still give a valid uri.
  return toFhirCode('assigning-authority', namespace)?.fhir ?? localUrn(NS_PREFIX, namespace);
}

/** Undo the percent-encoding of a local name placed in a URN (see localUrn). */
export function decodeNamespace(s: string): string {
  try { return decodeURIComponent(s); } catch { return s; }
}

/** Identifier.system -> HD components [namespace, universal id, universal id type]. */
export function authorityFromSystem(system: string | undefined): string[] {
  if (!system) return [];
  const configured = toHl7Code('assigning-authority', system);
  if (configured) return [configured];
  if (system.startsWith(NS_PREFIX)) return [decodeNamespace(system.slice(NS_PREFIX.length))];
  if (system.startsWith('urn:oid:')) return ['', system.slice(8), 'ISO'];
  return ['', system, 'URI'];
}

/** Whether a CX.5 code is one of HL7 table 0203 (identifier type), from profiles/hl7v2/tables.json. */
function inTable0203(code: string): boolean {
  return hl7Tables().get('0203')?.has(code) ?? false;
}

/**
 * CX.7/CX.8 (effective, expiration date) as a FHIR dateTime. A module-level function, not a
 * closure per call: under tsx (tests, the bench) each named closure also costs a defineProperty.
 */
function cxDate(rep: Rep, c: number, ctx: TransformContext, issues: Issue[]): string | undefined {
  const raw = comp(rep, c);
  if (!raw) return undefined;
  const r = hl7ToFhirDateTime(raw, `${ctx.where}.${c}`, ctx.timezone);
  // A date that is not a date is an error naming its component (tolerance policy, docs/hl7v2.md).
  issues.push(...r.issues);
  return r.value;
}

/**
 * CX: 1 id, 4 assigning authority (HD subcomponents), 5 identifier type code (table 0203),
 * 7 effective date, 8 expiration date (-> Identifier.period, as the v2-to-FHIR IG maps CX).
 * A CX.5 code outside table 0203 (a site's own type, e.g. `MRN`, `ACCT`) is kept as
 * Identifier.type.text: labelling it with the v2-0203 system would claim a code that table lacks.
 */
export const CX: DatatypeTransform = {
  toFhir(rep, ctx): Result<unknown> {
    const value = comp(rep, 1);
    if (!value) return { value: undefined, issues: [] };
    const type = comp(rep, 5);
    const issues: Issue[] = [];
    const start = cxDate(rep, 7, ctx, issues), end = cxDate(rep, 8, ctx, issues);
    // Built member by member in the literal's order, empty ones left out (as compact did; see people.ts).
    const id: Identifier = {};
    const system = systemFromAuthority(comp(rep, 4, 1), comp(rep, 4, 2));
    if (system) id.system = system;
    id.value = value;
    if (type) id.type = inTable0203(type) ? { coding: [{ system: V2_0203, code: type }] } : { text: type };
    if (start || end) {
      const period: { start?: string; end?: string } = {};
      if (start) period.start = start;
      if (end) period.end = end;
      id.period = period;
    }
    return ok(id, issues);
  },
  fromFhir(v) {
    const id = v as Identifier;
    if (!id?.value) return undefined;
    const type = id.type?.coding?.find((c) => c.system === V2_0203)?.code ?? id.type?.text;
    const period = id.period;
    const when = (d: string | undefined) => (d ? fhirToHl7DateTime(d) : '');
    return period ? [id.value, '', '', authorityFromSystem(id.system), type, '', when(period.start), when(period.end)] : [id.value, '', '', authorityFromSystem(id.system), type];
  },
};

/** EI: 1 entity id, 2 namespace, 3 universal id, 4 universal id type. */
export const EI: DatatypeTransform = {
  toFhir(rep) {
    const value = comp(rep, 1);
    if (!value) return { value: undefined, issues: [] };
    const id: Identifier = {};
    const system = systemFromAuthority(comp(rep, 2), comp(rep, 3));
    if (system) id.system = system;
    id.value = value;
    return ok(id);
  },
  fromFhir(v) {
    const id = v as Identifier;
    if (!id?.value) return undefined;
    return [id.value, ...authorityFromSystem(id.system)];
  },
};
