/**
 * Transforms the visit mapping (mappings/encounter.json) needs: a coded value as a single Coding
 * (Encounter.class is a Coding, not a CodeableConcept), a location wrapped as
 * Encounter.location, and a doctor (XCN) as an Encounter.participant of one type.
 */
import type { Coding, EncounterLocation, EncounterParticipant, Reference } from 'fhir/r4.js';
import { issue, type Result } from '../../domain/issues.js';
import { codeTable, readCode, toHl7Code } from '../tables.js';
import { XCN } from './people.js';
import { codeReadingIssues } from './primitives.js';
import { PL } from './scheduling.js';
import { comp, type DatatypeTransform } from './types.js';

const none: Result<unknown> = { value: undefined, issues: [] };
const PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const PARTICIPATION_DISPLAY: Record<string, string> = { ATND: 'attender', REF: 'referrer', CON: 'consultant', ADM: 'admitter' };

/** ID/IS with a table -> one Coding in the table's FHIR system. An unknown code is an error at the field (the caller decides what it costs). */
export const CODING: DatatypeTransform = {
  toFhir(rep, ctx) {
    const code = comp(rep, 1);
    if (!code || !ctx.table) return none;
    const hit = readCode(ctx.table, code);
    if (!hit) return { value: undefined, issues: [issue('MAP_UNKNOWN_CODE', `${ctx.where} "${code}" is not a known code of HL7 table ${ctx.table}.`, ctx.where)] };
    const t = codeTable(ctx.table)!;
    const coding: Coding = { system: t.fhirSystem, code: hit.entry.fhir, ...(hit.entry.display ? { display: hit.entry.display } : {}) };
    return { value: coding, issues: codeReadingIssues(code, hit, ctx.table, ctx.where) };
  },
  fromFhir(v, ctx) {
    const c = v as Coding;
    if (!c?.code || !ctx.table) return undefined;
    return toHl7Code(ctx.table, c.code);
  },
};

/** PL -> { location: Reference(Location) } (logical: identifier and display). */
export const ENCOUNTER_LOCATION: DatatypeTransform = {
  toFhir(rep, ctx) {
    const r = PL.toFhir(rep, ctx);
    return r.value === undefined ? r : { value: { location: r.value as Reference } satisfies EncounterLocation, issues: r.issues };
  },
  /** PL.1 the location code, PL.9 (description) the readable rest, so reading back gives the same reference. */
  fromFhir(v) {
    const r = (v as EncounterLocation)?.location;
    const code = r?.identifier?.value;
    if (!code && !r?.display) return undefined;
    return [code ?? '', '', '', '', '', '', '', '', r.display ?? ''];
  },
};

/** XCN -> { type: [params.type], individual: Reference(Practitioner) }; writing keeps only participants of that type. */
export const PARTICIPANT: DatatypeTransform = {
  toFhir(rep, ctx) {
    const r = XCN.toFhir(rep, ctx);
    if (r.value === undefined) return r;
    const code = ctx.params?.type ?? 'PART';
    const p: EncounterParticipant = {
      type: [{ coding: [{ system: PARTICIPATION_TYPE, code, ...(PARTICIPATION_DISPLAY[code] ? { display: PARTICIPATION_DISPLAY[code] } : {}) }] }],
      individual: { ...(r.value as Reference), type: 'Practitioner' },
    };
    return { value: p, issues: r.issues };
  },
  fromFhir(v, ctx) {
    const p = v as EncounterParticipant;
    const code = p?.type?.[0]?.coding?.find((c) => c.system === PARTICIPATION_TYPE)?.code;
    if (!p?.individual || code !== (ctx.params?.type ?? 'PART')) return undefined;
    const { type: _type, ...ref } = p.individual;
    return XCN.fromFhir(ref, ctx);
  },
};

export const ENCOUNTER_DATATYPES: Record<string, DatatypeTransform> = { CODING, ENCOUNTER_LOCATION, PARTICIPANT };
