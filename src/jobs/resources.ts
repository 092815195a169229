/**
 * Read access for the jobs to the FHIR resources the gateway stored (table `resources`, written
 * by the flows). Jobs only read; they never change clinical data.
 */
import type { Appointment, Claim, Coverage, HumanName, Location, Patient, Practitioner, Resource } from 'fhir/r4.js';
import type { Db } from '../store/db.js';

export function allOfType<T extends Resource>(db: Db, type: string): T[] {
  return (db.prepare('SELECT resource FROM resources WHERE resource_type = ? ORDER BY id').all(type) as Array<{ resource: string }>).map(
    (r) => JSON.parse(r.resource) as T,
  );
}

/** Resolve a relative reference ('Patient/p1') against the store. */
export function resolve<T extends Resource>(db: Db, reference: string | undefined): T | undefined {
  if (!reference) return undefined;
  const m = /^([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(reference);
  if (!m) return undefined;
  const r = db.prepare('SELECT resource FROM resources WHERE resource_type = ? AND id = ?').get(m[1], m[2]) as { resource: string } | undefined;
  return r ? (JSON.parse(r.resource) as T) : undefined;
}

export const appointments = (db: Db): Appointment[] => allOfType<Appointment>(db, 'Appointment');
export const claims = (db: Db): Claim[] => allOfType<Claim>(db, 'Claim');

/** The appointment's participant of a type (Patient, Practitioner, Location). */
export function participantRef(a: Appointment, type: string): string | undefined {
  return a.participant.map((p) => p.actor?.reference).find((r) => r?.startsWith(`${type}/`));
}

/** The patient's active coverages, best first (Coverage.order, then id). */
export function coveragesOf(db: Db, patientRef: string): Coverage[] {
  return allOfType<Coverage>(db, 'Coverage')
    .filter((c) => (c.beneficiary?.reference === patientRef || c.subscriber?.reference === patientRef) && (c.status ?? 'active') === 'active')
    .sort((a, b) => (a.order ?? 99) - (b.order ?? 99) || (a.id ?? '').localeCompare(b.id ?? ''));
}

export function nameText(names: HumanName[] | undefined): string | undefined {
  const n = names?.find((x) => x.use === 'official') ?? names?.[0];
  if (!n) return undefined;
  if (n.text) return n.text;
  const s = [...(n.prefix ?? []), ...(n.given ?? []), n.family].filter(Boolean).join(' ');
  return s || undefined;
}

export const patientName = (p: Patient | undefined) => nameText(p?.name);
export const practitionerName = (p: Practitioner | undefined) => nameText(p?.name);

export function locationText(l: Location | undefined): string | undefined {
  if (!l) return undefined;
  const a = l.address;
  const addr = a ? (a.text ?? [...(a.line ?? []), [a.city, a.state].filter(Boolean).join(', '), a.postalCode].filter(Boolean).join(', ')) : undefined;
  return [l.name, addr].filter(Boolean).join(', ') || undefined;
}
