/**
 * Read access for the jobs to the FHIR resources the gateway stored (table `resources`, written
 * by the flows). Jobs only read; they never change clinical data.
 */
import type { Appointment, Claim, Coverage, HumanName, Identifier, Location, Patient, Practitioner, Reference, Resource } from 'fhir/r4.js';
import type { ResourceStore } from '../store/index.js';
import { urnFor } from '../adapters/claim-bundle.js';

/** The store's resources, as the jobs read them (they never write clinical data). */
export type Resources = Pick<ResourceStore, 'get' | 'findByIdentifier' | 'findByElement' | 'listOfType' | 'idsOfType'>;

export function allOfType<T extends Resource>(store: Resources, type: string): Promise<T[]> {
  return store.listOfType<T>(type);
}

/**
 * Resolve a Reference against the store: by its relative reference ('Patient/p1'), else by its
 * logical identifier (system|value) among the candidate types. Bundles from the flows keep
 * `urn:uuid:` references with the identifier alongside, so the identifier is what finds them.
 */
export async function resolveReference<T extends Resource>(store: Resources, ref: Reference | undefined, types: readonly string[]): Promise<T | undefined> {
  if (!ref) return undefined;
  const direct = await resolve<T>(store, ref.reference);
  if (direct) return direct;
  const candidates = ref.type ? [ref.type] : types;
  // urn:uuid references made by the adapters (urnFor: derived from type and deterministic id).
  if (ref.reference?.startsWith('urn:uuid:')) {
    for (const type of candidates) {
      const ids = await store.idsOfType(type);
      const hit = ids.find((id) => urnFor({ resourceType: type, id } as Resource) === ref.reference);
      if (hit) return resolve<T>(store, `${type}/${hit}`);
    }
  }
  const id = ref.identifier;
  if (!id?.value) return undefined;
  for (const type of candidates) {
    const ids = await store.findByIdentifier(type, id.system, id.value);
    if (ids.length === 1) return resolve<T>(store, `${type}/${ids[0]}`);
    // A member identifier on a Coverage reference is the Coverage's subscriberId.
    if (type === 'Coverage' && ids.length === 0) {
      const cov = await store.findByElement('Coverage', 'subscriberId', id.value);
      if (cov.length === 1) return resolve<T>(store, `Coverage/${cov[0]!}`);
    }
  }
  return undefined;
}

/** Whether a Reference points at this resource (relative reference or a shared identifier). */
export function refersTo(ref: Reference | undefined, r: Resource & { identifier?: Identifier[] | Identifier }): boolean {
  if (!ref) return false;
  if (ref.reference === `${r.resourceType}/${r.id}` || (r.id && ref.reference === urnFor(r))) return true;
  const id = ref.identifier;
  if (!id?.value) return false;
  const mine = Array.isArray(r.identifier) ? r.identifier : r.identifier ? [r.identifier] : [];
  return mine.some((m) => m.value === id.value && (id.system === undefined || m.system === id.system));
}

/** Resolve a relative reference ('Patient/p1') against the store. */
export async function resolve<T extends Resource>(store: Resources, reference: string | undefined): Promise<T | undefined> {
  if (!reference) return undefined;
  const m = /^([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(reference);
  if (!m) return undefined;
  return (await store.get(m[1]!, m[2]!))?.resource as T | undefined;
}

export const appointments = (store: Resources): Promise<Appointment[]> => allOfType<Appointment>(store, 'Appointment');
export const claims = (store: Resources): Promise<Claim[]> => allOfType<Claim>(store, 'Claim');

/** The appointment's participant of a type (Patient, Practitioner, Location), resolved in the store. */
export async function participant<T extends Resource>(store: Resources, a: Appointment, type: string): Promise<{ ref: Reference; resource: T | undefined } | undefined> {
  for (const p of a.participant) {
    const ref = p.actor;
    if (!ref) continue;
    if (ref.reference?.startsWith(`${type}/`) || ref.type === type) return { ref, resource: await resolveReference<T>(store, ref, [type]) };
    if (!ref.reference || ref.reference.startsWith('urn:')) {
      const r = await resolveReference<T>(store, ref, [type]);
      if (r?.resourceType === type) return { ref, resource: r };
    }
  }
  return undefined;
}

/** The patient's active coverages, best first (Coverage.order, then id). */
export async function coveragesOf(store: Resources, patient: Patient): Promise<Coverage[]> {
  return (await allOfType<Coverage>(store, 'Coverage'))
    .filter((c) => (refersTo(c.beneficiary, patient) || refersTo(c.subscriber, patient)) && (c.status ?? 'active') === 'active')
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
