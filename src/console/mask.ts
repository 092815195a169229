/**
 * PHI masking for the console: names, identifiers, birth dates, addresses and phones are shown
 * as their first character and stars (`John Smith` -> `J*** S****`, `19800101` -> `1*******`)
 * until an operator reveals the message (an audited action). Which HL7v2 fields and which JSON
 * keys carry PHI is data, below; everything else is shown as it is.
 */

/** HL7v2 fields holding a patient's or a relation's identity (v2.5.1 field numbers). */
export const PHI_FIELDS: Readonly<Record<string, readonly number[]>> = {
  // PID-2/3/4 identifiers, 5 name, 6 mother's maiden name, 7 birth date, 9 alias, 11 address,
  // 13/14 phones, 18 account number, 19 SSN, 20 driver's licence, 21 mother's identifier, 23 birth place
  PID: [2, 3, 4, 5, 6, 7, 9, 11, 13, 14, 18, 19, 20, 21, 23],
  // NK1-2 name, 4 address, 5/6 phones, 16 birth date, 30 contact name, 31 contact phone, 32 contact address, 33 identifiers
  NK1: [2, 4, 5, 6, 16, 30, 31, 32, 33],
  // MRG-1..7 prior identifiers and prior name
  MRG: [1, 2, 3, 4, 5, 6, 7],
  // GT1-2 number, 3 name, 4 spouse name, 5 address, 6/7 phones, 8 birth date, 12 SSN
  GT1: [2, 3, 4, 5, 6, 7, 8, 12],
  // IN1-16 insured's name, 18 birth date, 19 address, 36 policy number, 49 insured's id
  IN1: [16, 18, 19, 36, 49],
  // IN2-1 insured's employee id, 2 SSN, 8 Medicare number, 61 patient member number
  IN2: [1, 2, 8, 61],
  // PD1-4 is a provider (not PHI); PV1-19 the visit number (an identifier)
  PV1: [19],
};

/** JSON keys (FHIR outputs and office records) whose values are PHI, at any depth. */
const PHI_KEYS = /^(name|names|given|family|identifier|identifiers|birthDate|dateOfBirth|dob|birth.*|address|line|city|postalCode|zip|district|telecom|phone.*|email|ssn|mrn|patient(Name|Id|Mrn)|firstName|lastName|middleName|givenName|familyName|contact|street.*|memberId|subscriberId)$/i;
/** Keys that stay visible inside a PHI object: codes and kinds, not identity. */
const KEEP_KEYS = /^(use|system|type|period|state|country|rank|resourceType|coding|code|display)$/;

/** `John Smith` -> `J*** S****`: each run of letters or digits keeps its first character. */
export function maskText(s: string): string {
  return s.replace(/[\p{L}\p{N}]+/gu, (w) => w[0] + '*'.repeat(Math.max(0, [...w].length - 1)));
}

export function isPhiField(segment: string, field: number): boolean {
  return PHI_FIELDS[segment]?.includes(field) ?? false;
}

/** The raw HL7v2 text with the PHI fields masked (delimiters, segment order and other fields kept). */
export function maskHl7(raw: string): string {
  const fieldSep = raw.startsWith('MSH') ? raw[3] ?? '|' : '|';
  return raw
    .split(/(\r\n|\r|\n)/)
    .map((line) => {
      const name = line.slice(0, 3);
      const fields = PHI_FIELDS[name];
      if (!fields || name === 'MSH') return line;
      const parts = line.split(fieldSep);
      for (const n of fields) if (parts[n] !== undefined && parts[n] !== '') parts[n] = maskText(parts[n]!);
      return parts.join(fieldSep);
    })
    .join('');
}

/** A copy of a JSON value with the values under PHI keys masked (their structure and codes kept). */
export function maskJson(v: unknown, inPhi = false): unknown {
  if (typeof v === 'string') return inPhi ? maskText(v) : v;
  if (typeof v === 'number') return inPhi ? maskText(String(v)) : v;
  if (Array.isArray(v)) return v.map((x) => maskJson(x, inPhi));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (inPhi && KEEP_KEYS.test(k)) out[k] = x;
      else if (k === 'reference' || k === 'fullUrl' || k === 'url' || k === 'id') out[k] = x; // ids are deterministic hashes, not identity
      else out[k] = maskJson(x, inPhi || PHI_KEYS.test(k));
    }
    return out;
  }
  return v;
}

/**
 * A value found at a JSON path of an output (`bundle.entry[0].resource.name[0].family`), masked as
 * maskJson would mask it in place: PHI when a key on its path is a PHI key (codes and kinds inside
 * a PHI object, and ids and references, stay visible). For the value-level diffs of dry runs.
 */
export function maskAtPath(path: string, v: unknown): unknown {
  let inPhi = false;
  for (const k of path.replace(/\[\d+\]/g, '').split('.').filter(Boolean)) {
    if (inPhi && KEEP_KEYS.test(k)) return v;
    if (k === 'reference' || k === 'fullUrl' || k === 'url' || k === 'id') return v;
    inPhi ||= PHI_KEYS.test(k);
  }
  return maskJson(v, inPhi);
}
