/** Person-related types: XPN (HumanName), XAD (Address), XTN (ContactPoint), XCN (practitioner reference). */
import type { Address, ContactPoint, HumanName, Reference } from 'fhir/r4.js';
import { ok } from '../../domain/issues.js';
import { toFhirCode, toHl7Code } from '../tables.js';
import { systemFromAuthority, authorityFromSystem } from './identifiers.js';
import { comp, compact, type DatatypeTransform } from './types.js';

const none = { value: undefined, issues: [] };

/** XPN: 1 family (FN.1), 2 given, 3 further given (middle), 4 suffix, 5 prefix, 7 name type (table 0200). */
export const XPN: DatatypeTransform = {
  toFhir(rep) {
    const family = comp(rep, 1, 1);
    const given = [comp(rep, 2), ...comp(rep, 3).split(' ')].filter(Boolean);
    const type = comp(rep, 7);
    const name = compact<HumanName>({
      use: type ? (toFhirCode('0200', type)?.fhir as HumanName['use']) : undefined,
      family: family || undefined,
      given,
      suffix: comp(rep, 4) ? [comp(rep, 4)] : undefined,
      prefix: comp(rep, 5) ? [comp(rep, 5)] : undefined,
    });
    return name ? ok(name) : none;
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
    const addr = compact<Address>({
      use: use === 'billing' ? undefined : (use as Address['use']),
      type: use === 'billing' ? 'postal' : undefined,
      line: [comp(rep, 1, 1), comp(rep, 2)].filter(Boolean),
      city: comp(rep, 3) || undefined,
      district: comp(rep, 9) || undefined,
      state: comp(rep, 4) || undefined,
      postalCode: comp(rep, 5) || undefined,
      country: comp(rep, 6) || undefined,
    });
    return addr ? ok(addr) : none;
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
    return ok(compact<ContactPoint>({ system: system ?? 'phone', value, use }));
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
    return ok(compact<Reference>({
      identifier: id ? compact({ system, value: id }) : undefined,
      display: display || undefined,
    }));
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
