/**
 * XCN (ORC-12/OBR-16 ordering provider, OBX-25 performing person) -> Practitioner, and XON + XAD
 * (OBX-23 performing organization, OBX-24 its address) -> Organization, per the HL7 v2-to-FHIR IG
 * (XCN[Practitioner], XON[Organization]). Ids come from src/fhir/ids.ts: a Practitioner only when
 * XCN-1 names it (with XCN-9 / XCN-13 as the system); an Organization by XON-10 (else XON-3) under
 * its system, else by XON-1 name.
 */
import type { Address, HumanName, Identifier, Organization, Practitioner } from 'fhir/r4.js';
import type { Hl7Segment } from '../../hl7/message.js';
import { fieldTree } from '../../mapping/engine.js';
import { DATATYPES } from '../../mapping/datatypes/index.js';
import { systemFromAuthority } from '../../mapping/datatypes/identifiers.js';
import { comp, type Rep } from '../../mapping/datatypes/types.js';
import { organizationIdByIdentifier, organizationIdByName, practitionerId } from '../../fhir/ids.js';

/** CLIA numbers (XON-7 = CLIA): the CMS CLIA OID, as US Core and the IG name it. */
export const CLIA_SYSTEM = 'urn:oid:2.16.840.1.113883.4.7';
const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';
const UNSCOPED = 'urn:frontdesk:unscoped';

/** The first repetition of a field when any of its leaves holds text (fieldTree: seg.tree's reading, without its closures; per OBX). */
function firstRep(seg: Hl7Segment | undefined, field: number): Rep | undefined {
  const rep = seg ? fieldTree(seg, field)[0] : undefined;
  return rep && rep.some((c) => c.some(Boolean)) ? rep : undefined;
}

export interface PersonDraft {
  practitioner?: Practitioner;
  /** Always set when the XCN has an id or a name: what the referencing element shows. */
  display?: string;
  identifier?: Identifier;
}

/** XCN: 1 id, 2 family, 3 given, 4 further given, 5 suffix, 6 prefix, 9 assigning authority, 13 id type. */
export function practitionerFromXcn(seg: Hl7Segment | undefined, field: number): PersonDraft | undefined {
  const rep = firstRep(seg, field);
  if (!rep) return undefined;
  const ref = DATATYPES.XCN!.toFhir(rep, { where: '', timezone: 'UTC' }).value as { identifier?: Identifier; display?: string } | undefined;
  if (!ref) return undefined;
  const name: HumanName = {};
  if (comp(rep, 2)) name.family = comp(rep, 2);
  const given = [comp(rep, 3), comp(rep, 4)].filter(Boolean);
  if (given.length) name.given = given;
  if (comp(rep, 5)) name.suffix = [comp(rep, 5)];
  if (comp(rep, 6)) name.prefix = [comp(rep, 6)];
  const identifier = ref.identifier?.value ? ref.identifier : undefined;
  const out: PersonDraft = { ...(ref.display ? { display: ref.display } : {}), ...(identifier ? { identifier } : {}) };
  // Without XCN-1 there is nothing stable to key a Practitioner by: the name stays a display.
  if (!identifier) return out;
  out.practitioner = {
    resourceType: 'Practitioner',
    id: practitionerId(identifier.system ?? UNSCOPED, identifier.value!),
    identifier: [identifier],
    ...(Object.keys(name).length ? { name: [name] } : {}),
  };
  return out;
}

/** XON: 1 name, 3 id (before v2.5), 6 assigning authority (HD), 7 identifier type (CLIA, NPI, ...), 10 organization identifier. */
export function organizationFromXon(obx: Hl7Segment, nameField = 23, addressField = 24): Organization | undefined {
  const rep = firstRep(obx, nameField);
  if (!rep) return undefined;
  const name = comp(rep, 1);
  const value = comp(rep, 10) || comp(rep, 3);
  const type = comp(rep, 7).toUpperCase();
  const system = type === 'CLIA' ? CLIA_SYSTEM : type === 'NPI' ? NPI_SYSTEM : systemFromAuthority(comp(rep, 6, 1), comp(rep, 6, 2));
  if (!name && !value) return undefined;
  const identifier: Identifier | undefined = value ? { ...(system ? { system } : {}), value } : undefined;
  const addrRep = firstRep(obx, addressField);
  const address = addrRep ? (DATATYPES.XAD!.toFhir(addrRep, { where: '', timezone: 'UTC' }).value as Address | undefined) : undefined;
  return {
    resourceType: 'Organization',
    id: identifier ? organizationIdByIdentifier(identifier.system ?? UNSCOPED, identifier.value!) : organizationIdByName(name),
    ...(identifier ? { identifier: [identifier] } : {}),
    ...(name ? { name } : {}),
    ...(address ? { address: [address] } : {}),
  };
}
