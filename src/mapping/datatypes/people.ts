/** Person-related types: XPN (HumanName), XAD (Address), XTN (ContactPoint), XCN (practitioner reference). */
import type { Address, ContactPoint, HumanName, Identifier, Reference } from 'fhir/r4.js';
import { ok } from '../../domain/issues.js';
import { toFhirCode, toHl7Code } from '../tables.js';
import { systemFromAuthority, authorityFromSystem } from './identifiers.js';
import { comp, type DatatypeTransform } from './types.js';

const none = { value: undefined, issues: [] };

/*
 * The transforms below build their values member by member, leaving out what is empty, in the
 * order `compact` of an object literal gave (the stored JSON is compared byte for byte): they run
 * for most fields of every message, and compact's copy of each literal, through keyed stores of
 * varying keys, was a good part of a segment's reading.
 */

/** XPN: 1 family (FN.1), 2 given, 3 further given (middle), 4 suffix, 5 prefix, 7 name type (table 0200). */
export const XPN: DatatypeTransform = {
  toFhir(rep) {
    const name: HumanName = {};
    const type = comp(rep, 7);
    const use = type ? toFhirCode('0200', type)?.fhir : undefined;
    if (use) name.use = use as HumanName['use'];
    const family = comp(rep, 1, 1);
    if (family) name.family = family;
    const given: string[] = [];
    const first = comp(rep, 2), middle = comp(rep, 3);
    if (first) given.push(first);
    if (middle) for (const g of middle.split(' ')) if (g) given.push(g);
    if (given.length) name.given = given;
    const suffix = comp(rep, 4), prefix = comp(rep, 5);
    if (suffix) name.suffix = [suffix];
    if (prefix) name.prefix = [prefix];
    return use || family || given.length || suffix || prefix ? ok(name) : none;
  },
  fromFhir(v) {
    const n = v as HumanName;
    if (!n || (!n.family && !n.given?.length)) return undefined;
    return [n.family, n.given?.[0], n.given?.slice(1).join(' '), n.suffix?.[0], n.prefix?.[0], '', n.use ? toHl7Code('0200', n.use) : ''];
  },
};

/** XAD: 1 street (SAD.1), 2 other designation, 3 city, 4 state, 5 zip, 6 country, 7 type (table 0190), 9 county. */
export const XAD: DatatypeTransform = {
  toFhir(rep) {
    const type = comp(rep, 7);
    const use = type ? toFhirCode('0190', type)?.fhir : undefined;
    const addr: Address = {};
    let kept = false;
    if (use === 'billing') { addr.type = 'postal'; kept = true; } else if (use) { addr.use = use as Address['use']; kept = true; }
    const street = comp(rep, 1, 1), other = comp(rep, 2);
    if (street || other) { addr.line = street && other ? [street, other] : [street || other]; kept = true; }
    const city = comp(rep, 3), district = comp(rep, 9), state = comp(rep, 4), postalCode = comp(rep, 5), country = comp(rep, 6);
    if (city) { addr.city = city; kept = true; }
    if (district) { addr.district = district; kept = true; }
    if (state) { addr.state = state; kept = true; }
    if (postalCode) { addr.postalCode = postalCode; kept = true; }
    if (country) { addr.country = country; kept = true; }
    return kept ? ok(addr) : none;
  },
  fromFhir(v) {
    const a = v as Address;
    if (!a) return undefined;
    const type = a.type === 'postal' && !a.use ? 'M' : a.use ? toHl7Code('0190', a.use) : '';
    return [a.line?.[0], a.line?.slice(1).join(', '), a.city, a.state, a.postalCode, a.country, type, '', a.district];
  },
};

/**
 * XTN: 1 number (pre-2.5 formatted), 2 use (table 0201), 3 equipment (table 0202),
 * 4 email, 6 area code, 7 local number, 8 extension.
 */
export const XTN: DatatypeTransform = {
  toFhir(rep, ctx) {
    const useCode = comp(rep, 2), equip = comp(rep, 3), email = comp(rep, 4);
    let system = equip ? (toFhirCode('0202', equip)?.fhir as ContactPoint['system']) : undefined;
    let value = comp(rep, 1);
    if (email || useCode === 'NET') { system = 'email'; value = email || value; }
    if (!value && comp(rep, 7)) value = `${comp(rep, 6) ? `(${comp(rep, 6)})` : ''}${comp(rep, 7)}${comp(rep, 8) ? ` x${comp(rep, 8)}` : ''}`;
    if (!value) return none;
    let use = useCode ? (toFhirCode('0201', useCode)?.fhir as ContactPoint['use']) : (ctx.params?.use as ContactPoint['use']);
    if (equip === 'CP') use = 'mobile';
    const cp: ContactPoint = {};
    const sys = system ?? 'phone';
    if (sys) cp.system = sys;
    cp.value = value;
    if (use) cp.use = use;
    return ok(cp);
  },
  fromFhir(v, ctx) {
    const cp = v as ContactPoint;
    if (!cp?.value) return undefined;
    if (cp.system === 'email') return ['', 'NET', 'Internet', cp.value];
    const equip = cp.use === 'mobile' ? 'CP' : toHl7Code('0202', cp.system ?? 'phone') ?? 'PH';
    const use = cp.use && cp.use !== ctx.params?.use ? toHl7Code('0201', cp.use) : cp.use ? toHl7Code('0201', cp.use) : '';
    return [cp.value, use, equip];
  },
};

/** XCN: 1 id (an NPI when 9 is NPI or 13 is NPI), 2 family, 3 given, 9 assigning authority, 13 identifier type -> Reference with identifier and display. */
export const XCN: DatatypeTransform = {
  toFhir(rep) {
    const id = comp(rep, 1);
    const display = [comp(rep, 6), comp(rep, 3), comp(rep, 4), comp(rep, 2, 1), comp(rep, 5)].filter(Boolean).join(' ');
    if (!id && !display) return none;
    const system = comp(rep, 13) === 'NPI' ? 'http://hl7.org/fhir/sid/us-npi' : systemFromAuthority(comp(rep, 9, 1), comp(rep, 9, 2));
    const ref: Reference = {};
    if (id) {
      const identifier: Identifier = {};
      if (system) identifier.system = system;
      identifier.value = id;
      ref.identifier = identifier;
    }
    if (display) ref.display = display;
    return ok(ref);
  },
  fromFhir(v) {
    const r = v as Reference;
    if (!r?.identifier?.value && !r?.display) return undefined;
    const parts = (r.display ?? '').split(' ');
    const family = parts.length > 1 ? parts[parts.length - 1] : parts[0];
    const given = parts.length > 1 ? parts.slice(0, -1).join(' ') : '';
    const npi = r.identifier?.system === 'http://hl7.org/fhir/sid/us-npi';
    return [r.identifier?.value, family, given, '', '', '', '', '', npi ? ['NPI'] : authorityFromSystem(r.identifier?.system), '', '', '', npi ? 'NPI' : ''];
  },
};
