/**
 * FHIR validation inputs for the benchmark: the valid Patient, Appointment, Coverage and Claim of
 * examples/fhir, and invalid copies that each change one thing (the kinds of error the
 * validation issue lists: a bad code, a malformed date, an empty string, an array that is not
 * one, a missing required element, a broken invariant, a dateTime without timezone, a
 * reference to the wrong type, an unknown element). Each case says whether R4 itself (base
 * resource) or only our profile (Frontdesk's rules) makes it invalid, so the table can be read fairly.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface FhirCase {
  name: string;
  resourceType: string;
  resource: Json;
  valid: boolean;
  /** 'base': invalid against R4 itself; 'profile': only against the Frontdesk profile (identifier, NPI...). */
  invalidBy?: 'base' | 'profile';
}

const load = (f: string): Json => JSON.parse(readFileSync(path.resolve('examples/fhir', f), 'utf8')) as Json;

function variant(base: Json, name: string, invalidBy: 'base' | 'profile', change: (r: Json) => void): FhirCase {
  const r = structuredClone(base);
  change(r);
  return { name, resourceType: base.resourceType as string, resource: r, valid: false, invalidBy };
}

export function fhirCases(): FhirCase[] {
  const patient = load('patient.json');
  const appointment = load('appointment.json');
  const coverage = load('coverage.json');
  const claim = load('claim.json');
  const valid = [patient, appointment, coverage, claim].map((r): FhirCase => ({ name: `${r.resourceType} valid`, resourceType: r.resourceType, resource: r, valid: true }));
  return [
    ...valid,
    variant(patient, 'Patient.gender not in value set', 'base', (r) => { r.gender = 'femalee'; }),
    variant(patient, 'Patient.birthDate malformed', 'base', (r) => { r.birthDate = '1980-13-45'; }),
    variant(patient, 'Patient.name not an array', 'base', (r) => { r.name = r.name[0]; }),
    variant(patient, 'Patient.name.family empty string', 'base', (r) => { r.name[0].family = ''; }),
    variant(patient, 'Patient unknown element', 'base', (r) => { r.favouriteColour = 'blue'; }),
    variant(patient, 'Patient pat-1 (contact without details)', 'base', (r) => { r.contact = [{ relationship: r.contact[0].relationship }]; }),
    variant(patient, 'Patient.generalPractitioner wrong type', 'base', (r) => { r.generalPractitioner = [{ reference: 'Observation/obs-1' }]; }),
    variant(patient, 'Patient without identifier (profile)', 'profile', (r) => { delete r.identifier; }),
    variant(appointment, 'Appointment.status missing', 'base', (r) => { delete r.status; }),
    variant(appointment, 'Appointment.status not in value set', 'base', (r) => { r.status = 'maybe'; }),
    variant(appointment, 'Appointment app-3 (booked, no start/end)', 'base', (r) => { delete r.start; delete r.end; }),
    variant(appointment, 'Appointment.start without timezone', 'base', (r) => { r.start = '2024-03-05T09:30:00'; }),
    variant(appointment, 'Appointment.participant missing', 'base', (r) => { delete r.participant; }),
    variant(coverage, 'Coverage.status missing', 'base', (r) => { delete r.status; }),
    variant(coverage, 'Coverage.payor missing', 'base', (r) => { delete r.payor; }),
    variant(coverage, 'Coverage.beneficiary wrong type', 'base', (r) => { r.beneficiary = { reference: 'Practitioner/prac-example-1' }; }),
    variant(coverage, 'Coverage.period.start malformed', 'base', (r) => { r.period.start = '01/01/2024'; }),
    variant(coverage, 'Coverage without subscriberId (profile)', 'profile', (r) => { delete r.subscriberId; }),
    variant(claim, 'Claim.patient missing', 'base', (r) => { delete r.patient; }),
    variant(claim, 'Claim.use not in value set', 'base', (r) => { r.use = 'bill'; }),
    variant(claim, 'Claim.item.sequence missing', 'base', (r) => { delete r.item[0].sequence; }),
    variant(claim, 'Claim.item.net.value a string', 'base', (r) => { r.item[0].net.value = '125.00'; }),
    variant(claim, 'Claim.created malformed', 'base', (r) => { r.created = '2024-03-05 17:00'; }),
    variant(claim, 'Claim.diagnosis empty (profile)', 'profile', (r) => { delete r.diagnosis; delete r.item[0].diagnosisSequence; delete r.item[1].diagnosisSequence; }),
  ];
}
