import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Patient } from 'fhir/r4.js';
import { registrationFromFhir, registrationToFhir, type RegistrationRecord } from '../../src/adapters/registration.js';
import { patientPartDraft } from '../../src/adapters/patient.js';

/**
 * registrationFromFhir makes the record from an object literal compiled per key list (recordOf's
 * literalOf) instead of member by member. The record must be what the member-by-member copy made:
 * `trimmed({ ...defined(draft), insurance })`, the same keys in the same order, whichever columns
 * the Patient fills, and a key list met again must reuse its literal without mixing lists up.
 */
function trimmedCopy(v: unknown): unknown {
  if (typeof v === 'string') return v.trim();
  if (Array.isArray(v)) return v.map(trimmedCopy);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const t = trimmedCopy(x);
      if (t !== '') out[k] = t;
    }
    return out;
  }
  return v;
}

function expected(p: Patient, insurance: unknown[] | undefined): string {
  const draft = patientPartDraft(p).value as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(draft)) {
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    const t = trimmedCopy(v);
    if (t !== '') out[k] = t;
  }
  if (insurance?.length) out.insurance = trimmedCopy(insurance);
  return JSON.stringify(out);
}

/** A seeded generator (mulberry32), so a failure names a case that can be run again. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('registration record: built from a literal per key list', () => {
  const base = JSON.parse(readFileSync('examples/office/registration-basic.json', 'utf8')) as RegistrationRecord;
  const full = registrationToFhir(base).value!;
  const OPTIONAL: (keyof Patient)[] = ['birthDate', 'address', 'telecom', 'communication', 'maritalStatus', 'extension', 'contact'];

  it('has the keys, order and trimmed values of the member-by-member copy, for generated Patients', () => {
    const random = rng(17);
    const seen = new Set<string>();
    for (let n = 0; n < 300; n++) {
      const p = structuredClone(full.patient) as Patient & Record<string, unknown>;
      for (const k of OPTIONAL) if (random() < 0.4) delete p[k];
      // Padded and blank texts: trimmed, and a text that trims to '' dropped.
      if (p.name?.[0] && random() < 0.5) p.name[0].family = ` ${p.name[0].family} `;
      if (p.name?.[0]?.given && random() < 0.3) p.name[0].given = ['   '];
      const withPolicies = random() < 0.5;
      const input = { ...full, patient: p, coverages: withPolicies ? full.coverages : [] };
      const got = registrationFromFhir(input);
      expect(got.value, `case ${n}`).to.not.equal(undefined);
      const want = expected(p, withPolicies ? (got.value as unknown as { insurance?: unknown[] }).insurance : undefined);
      expect(JSON.stringify(got.value), `case ${n}`).to.equal(want);
      seen.add(Object.keys(got.value!).join(','));
    }
    // The cases cover many key lists, each met several times (the literals are reused).
    expect(seen.size).to.be.greaterThan(20);
  });

  it('keeps a key list apart from another of the same length met before it', () => {
    const a = structuredClone(full.patient) as Patient;
    delete a.birthDate;
    const b = structuredClone(full.patient) as Patient;
    delete b.maritalStatus;
    const ra = registrationFromFhir({ ...full, patient: a }).value!;
    const rb = registrationFromFhir({ ...full, patient: b }).value!;
    expect(ra).to.not.have.property('birthDate');
    expect(rb).to.have.property('birthDate', base.birthDate);
    expect(JSON.stringify(registrationFromFhir({ ...full, patient: a }).value)).to.equal(JSON.stringify(ra));
  });
});
