/**
 * Transforms the registration mappings (mappings/patient.json, mappings/adt.json) need beyond
 * the base types: organization names (XON), lenient coded fields for optional demographics,
 * US Core race/ethnicity extensions, preferred language, Coverage.class and plain identifiers.
 */
import type { CodeableConcept, Coding, CoverageClass, Extension, Identifier, PatientCommunication } from 'fhir/r4.js';
import { issue, ok, type Result } from '../../domain/issues.js';
import { codeTable, readCode, toFhirCode, toHl7Code } from '../tables.js';
import { codeReadingIssues } from './primitives.js';
import { CWE, tableCoding } from './coded.js';
import { comp, type DatatypeTransform, type TransformContext } from './types.js';

const none: Result<unknown> = { value: undefined, issues: [] };

/**
 * YN: an ID field of table 0136 (Y/N, e.g. PID-30 death indicator) -> boolean. An answer the
 * table does not know is left out with a warning: guessing yes or no would change meaning.
 */
export const YN: DatatypeTransform = {
  toFhir(rep, ctx) {
    const code = comp(rep, 1);
    if (!code) return none;
    const hit = readCode(ctx.table ?? '0136', code);
    if (!hit) return { value: undefined, issues: [issue('MAP_UNKNOWN_CODE', `${ctx.where} "${code}" is neither Y nor N (table 0136); left out.`, ctx.where, 'warning')] };
    return { value: hit.entry.fhir === 'true', issues: codeReadingIssues(code, hit, ctx.table ?? '0136', ctx.where) };
  },
  fromFhir: (v) => (v === true ? 'Y' : v === false ? 'N' : undefined),
};

/** XON (IN1.4 insurance company name, IN1.9 group name): XON.1 organization name -> string. */
export const XON: DatatypeTransform = {
  toFhir: (rep) => (comp(rep, 1) ? ok(comp(rep, 1)) : none),
  fromFhir: (v) => (typeof v === 'string' && v ? [v] : undefined),
};

/**
 * A coded field where an unknown code must not reject the whole registration (PID.16 marital
 * status): the code is kept as CodeableConcept.text and a warning names the field.
 */
export const CWE_OPT: DatatypeTransform = {
  toFhir(rep, ctx) {
    const r = CWE.toFhir(rep, ctx);
    if (r.value !== undefined || !ctx.table || !comp(rep, 1)) return r;
    const text = comp(rep, 2) || comp(rep, 1);
    return {
      value: { text } satisfies CodeableConcept,
      issues: [issue('MAP_UNKNOWN_CODE', `"${comp(rep, 1)}" is not a known code of table ${ctx.table}; kept as text.`, ctx.where, 'warning')],
    };
  },
  /** With a table, only a coding in the table's FHIR system is written (Patient.contact.relationship mixes 0063 and 0131). */
  fromFhir(v, ctx) {
    const cc = v as CodeableConcept;
    if (!cc) return undefined;
    const system = ctx.table ? codeTable(ctx.table)?.fhirSystem : undefined;
    if (system && cc.coding?.length) {
      const hit = cc.coding.find((c) => c.system === system);
      return hit ? CWE.fromFhir({ coding: [hit], ...(cc.text ? { text: cc.text } : {}) }, ctx) : undefined;
    }
    return CWE.fromFhir(v, ctx);
  },
};

export const US_CORE_RACE = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race';
export const US_CORE_ETHNICITY = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity';

/**
 * PID.10 race (table 0005) / PID.22 ethnic group (table 0189) -> a US Core race or ethnicity
 * extension (params.url): ombCategory coding from the CDC code system plus the required text.
 * Unknown codes: warning, extension with text only (nothing dropped silently).
 */
export const OMB: DatatypeTransform = {
  toFhir(rep, ctx) {
    const url = ctx.params?.url ?? US_CORE_RACE;
    const code = comp(rep, 1);
    const sent = comp(rep, 2);
    if (!code && !sent) return none;
    const t = ctx.table ? codeTable(ctx.table) : undefined;
    const hit = code && ctx.table ? toFhirCode(ctx.table, code) : undefined;
    if (!hit) {
      const text = sent || code;
      return {
        value: { url, extension: [{ url: 'text', valueString: text }] } satisfies Extension,
        issues: code ? [issue('MAP_UNKNOWN_CODE', `"${code}" is not a known code of table ${ctx.table}; kept as text.`, ctx.where, 'warning')] : [],
      };
    }
    const coding: Coding = tableCoding(t!.fhirSystem, hit.fhir, hit.display)!;
    return ok({ url, extension: [{ url: 'ombCategory', valueCoding: coding }, { url: 'text', valueString: hit.display ?? hit.fhir }] } satisfies Extension);
  },
  fromFhir(v, ctx) {
    const ext = v as Extension;
    const coding = ext?.extension?.find((e) => e.url === 'ombCategory')?.valueCoding;
    const text = ext?.extension?.find((e) => e.url === 'text')?.valueString;
    if (!coding?.code) return text ? ['', text] : undefined;
    const code = ctx.table ? toHl7Code(ctx.table, coding.code) ?? coding.code : coding.code;
    return [code, coding.display ?? text, ctx.table ? `HL7${ctx.table}` : ''];
  },
};

const BCP47 = 'urn:ietf:bcp:47';

/** PID.15 primary language -> Patient.communication (preferred). 2-letter/BCP-47 tags pass through; ISO 639-2 via table "languages". */
export const LANG: DatatypeTransform = {
  toFhir(rep, ctx) {
    const code = comp(rep, 1), text = comp(rep, 2);
    if (!code && !text) return none;
    let tag: string | undefined;
    let display: string | undefined = text || undefined;
    if (/^[a-z]{2}(-[A-Za-z0-9]{2,8})*$/i.test(code)) tag = code.slice(0, 2).toLowerCase() + code.slice(2);
    else if (code) {
      const hit = toFhirCode('languages', code);
      if (hit) { tag = hit.fhir; display = display ?? hit.display; }
    }
    if (!tag) {
      return {
        value: { language: { text: text || code }, preferred: true } satisfies PatientCommunication,
        issues: code ? [issue('MAP_UNKNOWN_CODE', `"${code}" is not a BCP-47 tag nor a known ISO 639-2 code; kept as text.`, ctx.where, 'warning')] : [],
      };
    }
    return ok({ language: { coding: [tableCoding(BCP47, tag, display)!] }, preferred: true } satisfies PatientCommunication);
  },
  fromFhir(v) {
    const c = v as PatientCommunication;
    const coding = c?.language?.coding?.find((x) => x.system === BCP47) ?? c?.language?.coding?.[0];
    if (!coding?.code) return c?.language?.text ? ['', c.language.text] : undefined;
    return [coding.code, coding.display, 'ISO639'];
  },
};

const COVERAGE_CLASS = 'http://terminology.hl7.org/CodeSystem/coverage-class';

function classType(ctx: TransformContext): string {
  return ctx.params?.type ?? 'plan';
}

/**
 * Coverage.class of one type (params.type: plan | group): IN1.2 plan id (CWE.1 id, CWE.2 name),
 * IN1.8 group number (ST). Writing back only picks classes of that type.
 */
export const COVERAGE_CLASS_T: DatatypeTransform = {
  toFhir(rep, ctx) {
    const value = comp(rep, 1), name = comp(rep, 2);
    if (!value) return name ? { value: undefined, issues: [issue('MAP_MISSING', `${ctx.where} has a name ("${name}") but no identifier; Coverage.class.value is required.`, ctx.where, 'warning')] } : none;
    const t = classType(ctx);
    const c: CoverageClass = { type: { coding: [{ system: COVERAGE_CLASS, code: t }] }, value };
    if (name) c.name = name;
    return ok(c);
  },
  fromFhir(v, ctx) {
    const c = v as CoverageClass;
    if (!c?.value || !c.type?.coding?.some((x) => x.code === classType(ctx))) return undefined;
    return c.name ? [c.value, c.name] : c.value;
  },
};

/** A plain string field as an Identifier of a fixed system (params.system; IN2.2 insured's SSN). */
export const IDENT: DatatypeTransform = {
  toFhir(rep, ctx) {
    const value = comp(rep, 1);
    if (!value) return none;
    const id: Identifier = {};
    const system = ctx.params?.system;
    if (system) id.system = system;
    id.value = value;
    return ok(id);
  },
  fromFhir(v, ctx) {
    const id = v as Identifier;
    if (!id?.value || (ctx.params?.system && id.system !== ctx.params.system)) return undefined;
    return id.value;
  },
};

export const REGISTRATION_DATATYPES: Record<string, DatatypeTransform> = {
  XON, CWE_OPT, OMB, LANG, COVERAGE_CLASS: COVERAGE_CLASS_T, IDENT, YN,
};
