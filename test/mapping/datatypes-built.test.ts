/**
 * The transforms that build their values member by member (people.ts, coded.ts, identifiers.ts,
 * registration.ts, scheduling.ts' PL) against the way they were written before: an object literal
 * passed through `compact`. On generated repetitions, with empty components, spaces, table codes,
 * authorities and dates among them, the value and the issues must be the same JSON, member order
 * included (Bundles are stored and compared byte for byte).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { Address, CodeableConcept, Coding, ContactPoint, CoverageClass, HumanName, Identifier, Reference } from 'fhir/r4.js';
import { hl7Tables } from '../../src/hl7/dictionary.js';
import { DATATYPES } from '../../src/mapping/datatypes/index.js';
import { localUrn, systemFromAuthority } from '../../src/mapping/datatypes/identifiers.js';
import { compact, comp, type Rep, type TransformContext } from '../../src/mapping/datatypes/types.js';
import { hl7ToFhirDateTime } from '../../src/mapping/datetime.js';
import { codeTable, readCode, toFhirCode } from '../../src/mapping/tables.js';

const LEAVES = ['', '', '', ' ', 'A', 'Smith', 'Ann Marie', 'L', 'M', 'H', 'B', 'C', 'BI', 'PRN', 'WPN', 'NET', 'CP', 'PH', 'FX', 'x@y.org',
  '217', '5550142', '12', 'NPI', 'MR', 'SS', 'MRN', 'ISO', '2.16.840.1.113883.19', 'http://x.org/ns', 'SUNRISE_FP', 'GOOD HEALTH',
  'HL70002', 'HL70001', 'LN', 'SCT', '99zzz', 'CDCREC', '2106-3', '2186-5', 'en', 'eng', 'ger', 'S', 'W', '20240301', '2024030108',
  '202403010830-0500', '2024-03-01', 'bad', 'Dr', 'III', 'plan', 'EXAM2', 'ROOM 4'];

const rep = fc.array(fc.array(fc.constantFrom(...LEAVES), { minLength: 1, maxLength: 3 }), { minLength: 0, maxLength: 13 });

const none = { value: undefined, issues: [] };

/** The literals as they were, each through compact. */
const BEFORE: Record<string, (r: Rep, ctx: TransformContext) => unknown> = {
  XPN(r) {
    const family = comp(r, 1, 1);
    const given = [comp(r, 2), ...comp(r, 3).split(' ')].filter(Boolean);
    const type = comp(r, 7);
    const name = compact<HumanName>({
      use: type ? (toFhirCode('0200', type)?.fhir as HumanName['use']) : undefined,
      family: family || undefined, given,
      suffix: comp(r, 4) ? [comp(r, 4)] : undefined,
      prefix: comp(r, 5) ? [comp(r, 5)] : undefined,
    });
    return name ? { value: name, issues: [] } : none;
  },
  XAD(r) {
    const type = comp(r, 7);
    const use = type ? toFhirCode('0190', type)?.fhir : undefined;
    const addr = compact<Address>({
      use: use === 'billing' ? undefined : (use as Address['use']),
      type: use === 'billing' ? 'postal' : undefined,
      line: [comp(r, 1, 1), comp(r, 2)].filter(Boolean),
      city: comp(r, 3) || undefined, district: comp(r, 9) || undefined, state: comp(r, 4) || undefined,
      postalCode: comp(r, 5) || undefined, country: comp(r, 6) || undefined,
    });
    return addr ? { value: addr, issues: [] } : none;
  },
  XTN(r, ctx) {
    const useCode = comp(r, 2), equip = comp(r, 3), email = comp(r, 4);
    let system = equip ? (toFhirCode('0202', equip)?.fhir as ContactPoint['system']) : undefined;
    let value = comp(r, 1);
    if (email || useCode === 'NET') { system = 'email'; value = email || value; }
    if (!value && comp(r, 7)) value = `${comp(r, 6) ? `(${comp(r, 6)})` : ''}${comp(r, 7)}${comp(r, 8) ? ` x${comp(r, 8)}` : ''}`;
    if (!value) return none;
    let use = useCode ? (toFhirCode('0201', useCode)?.fhir as ContactPoint['use']) : (ctx.params?.use as ContactPoint['use']);
    if (equip === 'CP') use = 'mobile';
    return { value: compact<ContactPoint>({ system: system ?? 'phone', value, use }), issues: [] };
  },
  XCN(r) {
    const id = comp(r, 1);
    const display = [comp(r, 6), comp(r, 3), comp(r, 4), comp(r, 2, 1), comp(r, 5)].filter(Boolean).join(' ');
    if (!id && !display) return none;
    const system = comp(r, 13) === 'NPI' ? 'http://hl7.org/fhir/sid/us-npi' : systemFromAuthority(comp(r, 9, 1), comp(r, 9, 2));
    return { value: compact<Reference>({ identifier: id ? compact({ system, value: id }) : undefined, display: display || undefined }), issues: [] };
  },
  CX(r, ctx) {
    const value = comp(r, 1);
    if (!value) return none;
    const type = comp(r, 5);
    const issues: unknown[] = [];
    const date = (c: number) => {
      const raw = comp(r, c);
      if (!raw) return undefined;
      const d = hl7ToFhirDateTime(raw, `${ctx.where}.${c}`, ctx.timezone);
      issues.push(...d.issues);
      return d.value;
    };
    const start = date(7), end = date(8);
    return {
      value: compact<Identifier>({
        system: systemFromAuthority(comp(r, 4, 1), comp(r, 4, 2)), value,
        type: !type ? undefined : hl7Tables().get('0203')?.has(type) ? { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: type }] } : { text: type },
        period: start || end ? compact({ start, end }) : undefined,
      }),
      issues,
    };
  },
  EI(r) {
    const value = comp(r, 1);
    return value ? { value: compact<Identifier>({ system: systemFromAuthority(comp(r, 2), comp(r, 3)), value }), issues: [] } : none;
  },
  CWE(r, ctx) {
    const systemUri = (name: string) => (!name ? undefined : toFhirCode('coding-systems', name)?.fhir ?? (/^HL7\d{4}$/i.test(name) ? `http://terminology.hl7.org/CodeSystem/v2-${name.slice(3)}` : undefined));
    const triplet = (start: number): Coding | undefined => {
      const code = comp(r, start), display = comp(r, start + 1), sys = comp(r, start + 2);
      if (!code) return undefined;
      return compact<Coding>({ system: systemUri(sys) ?? (sys ? localUrn('urn:frontdesk:cs:', sys) : undefined), code, display: display || undefined });
    };
    const code = comp(r, 1);
    const text = code ? comp(r, 9) : comp(r, 2) || comp(r, 9);
    if (!code && !text) return undefined;
    const codings: Coding[] = [];
    if (ctx.table && code) {
      const hit = readCode(ctx.table, code);
      if (!hit) return 'unknown code';
      codings.push(compact<Coding>({ system: codeTable(ctx.table)!.fhirSystem, code: hit.entry.fhir, display: hit.entry.display })!);
    } else {
      const first = triplet(1);
      if (first) codings.push(first);
    }
    const alt = triplet(4);
    if (alt) codings.push(alt);
    return compact<CodeableConcept>({ coding: codings, text: text || undefined });
  },
  PL(r, ctx) {
    const code = comp(r, 1, 1) || comp(r, 2);
    const display = comp(r, 9) || [comp(r, 1, 2), comp(r, 2), comp(r, 3), comp(r, 4, 1)].filter(Boolean).join(' ');
    if (!code && !display) return none;
    return { value: compact<Reference>({ type: 'Location', identifier: code ? compact({ system: ctx.params?.system, value: code }) : undefined, display: display || undefined }), issues: [] };
  },
  COVERAGE_CLASS(r, ctx) {
    const value = comp(r, 1), name = comp(r, 2);
    if (!value) return 'no value';
    return { value: compact<CoverageClass>({ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/coverage-class', code: ctx.params?.type ?? 'plan' }] }, value, name: name || undefined }), issues: [] };
  },
  IDENT(r, ctx) {
    const value = comp(r, 1);
    return value ? { value: compact<Identifier>({ system: ctx.params?.system, value }), issues: [] } : none;
  },
};

/** What to compare of the transform's answer: all of it, or (where BEFORE says only the value) the value. */
function now(name: string, r: Rep, ctx: TransformContext): unknown {
  const out = DATATYPES[name]!.toFhir(r, ctx);
  if (name === 'CWE') return out.issues.some((i) => i.details?.coding?.[0]?.code === 'MAP_UNKNOWN_CODE' && i.severity === 'error') ? 'unknown code' : out.value;
  if (name === 'COVERAGE_CLASS' && !comp(r, 1)) return 'no value';
  return out;
}

const CONTEXTS: TransformContext[] = [
  { where: 'PID.5', timezone: 'America/Chicago', table: undefined, params: undefined },
  { where: 'PID.13', timezone: 'UTC', params: { use: 'home', system: 'urn:x:loc', type: 'group' } },
  { where: 'PID.16', timezone: 'UTC', table: '0002' },
];

describe('datatype transforms built member by member (same JSON as the compact literals they replace)', () => {
  for (const name of Object.keys(BEFORE)) {
    it(name, () => {
      fc.assert(fc.property(rep, fc.constantFrom(...CONTEXTS), (r, ctx) => {
        expect(JSON.stringify(now(name, r, ctx))).to.equal(JSON.stringify(BEFORE[name]!(r, ctx)));
      }), { numRuns: 3000 });
    });
  }
});
