import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { errorCodeOf, type Issue } from '../../src/domain/issues.js';
import { parseHl7, type Hl7Message } from '../../src/hl7/message.js';
import type { OfficeAppointment } from '../../src/adapters/appointment.js';
import { addMinutes } from '../../src/adapters/appointment-time.js';
import { emptyLookup, type FlowContext, type ResourceLookup } from '../../src/flows/types.js';
import type { Resource } from 'fhir/r4.js';

export const TZ = 'America/New_York';
export const ctx = (over: Partial<FlowContext> = {}): FlowContext => ({ timezone: TZ, lookup: emptyLookup, ...over });

/** A lookup over stored resources keyed 'Type/id' (the gateway's store, in memory). */
export function memoryLookup(resources: Resource[] = []): ResourceLookup & { put(r: Resource): void } {
  const m = new Map(resources.map((r) => [`${r.resourceType}/${r.id}`, r]));
  return {
    get: (type, id) => m.get(`${type}/${id}`),
    put: (r) => { m.set(`${r.resourceType}/${r.id}`, r); },
  };
}

export const EXAMPLES_OFFICE = resolve('examples/office');
export const EXAMPLES_HL7 = resolve('examples/hl7v2/scheduling');

export function officeExamples(): Array<{ file: string; record: OfficeAppointment }> {
  return readdirSync(EXAMPLES_OFFICE).filter((f) => f.startsWith('appointment-')).sort()
    .map((file) => ({ file, record: JSON.parse(readFileSync(join(EXAMPLES_OFFICE, file), 'utf8')) as OfficeAppointment }));
}

export function hl7Example(name: string): Hl7Message {
  return parseHl7(readFileSync(join(EXAMPLES_HL7, name), 'utf8')).value!;
}

export function hl7(text: string): Hl7Message {
  const r = parseHl7(text.split('\n').map((l) => l.trim()).filter(Boolean).join('\r'));
  if (!r.value) throw new Error('test message does not parse');
  return r.value;
}

export const codes = (issues: readonly Issue[]) => issues.map((i) => `${errorCodeOf(i)}@${i.expression?.join(',') ?? ''}`);
export const errors = (issues: readonly Issue[]) => issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');

// ---- generated office appointment records

const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const idChars = letters + '0123456789-._/';
/** Free text with every HL7 delimiter and the escape character, to exercise escaping. */
const textChars = letters + '0123456789 .,;:!?\'"()#%+=*@-/|^~\\&';
const charsOf = (s: string) => fc.constantFrom(...s.split(''));

const idArb = fc.string({ unit: charsOf(idChars), minLength: 1, maxLength: 16 });
const textArb = fc.string({ unit: charsOf(textChars), minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '');
const notesArb = fc.array(textArb, { minLength: 1, maxLength: 3 }).map((lines) => lines.join('\n'));
const wordArb = fc.string({ unit: charsOf(letters), minLength: 1, maxLength: 10 });
const nameArb = fc.array(wordArb, { minLength: 1, maxLength: 3 }).map((w) => w.join(' '));
const npiArb = fc.string({ unit: charsOf('0123456789'), minLength: 10, maxLength: 10 });
const offsets = ['-05:00', '-04:00', '-06:00', '-07:00', '-10:00', '+00:00', '+01:00', '+05:30', '+09:45', '+14:00'];

const p2 = (n: number) => String(n).padStart(2, '0');
const dateTimeArb = (withZ: boolean) => fc.record({
  y: fc.integer({ min: 2000, max: 2035 }), mo: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }),
  h: fc.integer({ min: 0, max: 23 }), mi: fc.integer({ min: 0, max: 59 }), s: fc.integer({ min: 0, max: 59 }),
  tz: fc.constantFrom(...offsets, ...(withZ ? ['Z'] : [])),
}).map((t) => `${t.y}-${p2(t.mo)}-${p2(t.d)}T${p2(t.h)}:${p2(t.mi)}:${p2(t.s)}${t.tz}`);

const SYSTEMS = ['http://www.ama-assn.org/go/cpt', 'http://loinc.org', 'http://snomed.info/sct', 'http://hl7.org/fhir/sid/icd-10-cm'];
const ID_SYSTEMS = ['urn:frontdesk:ns:EHRSCHED', 'urn:oid:2.16.840.1.113883.19.5', 'http://ehr.example.org/appointments'];
const STATUSES = ['booked', 'arrived', 'checked-out', 'cancelled', 'no-show', 'deleted', 'pending', 'waitlist'] as const;
const TYPES = ['new', 'follow-up', 'routine', 'walk-in', 'checkup', 'emergency', 'telehealth'] as const;

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

/**
 * Valid office appointment records in canonical form (what fromFhir gives back): times with
 * seconds and a numeric offset (or Z when `withZ`), end or durationMinutes (never both).
 */
export function officeAppointmentArb(opts: { withZ?: boolean } = {}): fc.Arbitrary<OfficeAppointment> {
  return fc.record({
    id: idArb, idSystem: opt(fc.constantFrom(...ID_SYSTEMS)),
    placerId: opt(idArb), placerSystem: opt(fc.constantFrom(...ID_SYSTEMS)),
    patientMrn: idArb,
    providerNpi: opt(npiArb), providerName: opt(nameArb), location: opt(textArb),
    start: dateTimeArb(!!opts.withZ), timing: fc.constantFrom('end', 'duration', 'none'), minutes: fc.integer({ min: 1, max: 600 }),
    type: opt(fc.constantFrom(...TYPES)),
    // SCH-8 appointment type: table 0277 or a local 99zzz table (CWE-3), which must keep its own system.
    apptTypeCode: opt(fc.constantFrom('Normal', 'Complete', 'URGENT', 'FU30')),
    apptTypeSystem: opt(fc.constantFrom('http://terminology.hl7.org/CodeSystem/v2-0277', 'urn:frontdesk:cs:99SCHED')),
    apptTypeText: opt(textArb),
    serviceCode: opt(idArb), serviceSystem: opt(fc.constantFrom(...SYSTEMS)), serviceText: opt(textArb),
    reasonCode: opt(idArb), reasonSystem: opt(fc.constantFrom(...SYSTEMS.slice(0, 3))), reasonText: opt(textArb),
    status: fc.constantFrom(...STATUSES), cancellationReason: textArb, notes: opt(notesArb),
  }).map((g) => {
    const r: Record<string, unknown> = { recordType: 'appointment', id: g.id };
    if (g.idSystem) r.idSystem = g.idSystem;
    if (g.placerId) { r.placerId = g.placerId; if (g.placerSystem) r.placerSystem = g.placerSystem; }
    r.patientMrn = g.patientMrn;
    if (g.providerNpi) r.providerNpi = g.providerNpi;
    if (g.providerName) r.providerName = g.providerName;
    if (g.location) r.location = g.location;
    const timeless = g.timing === 'none' && (g.status === 'cancelled' || g.status === 'waitlist');
    if (!timeless) {
      r.start = g.start;
      if (g.timing === 'duration') r.durationMinutes = g.minutes;
      else r.end = addMinutes(g.start, g.minutes);
    }
    if (g.type) r.type = g.type;
    if (g.apptTypeCode) { r.appointmentTypeCode = g.apptTypeCode; if (g.apptTypeSystem) r.appointmentTypeSystem = g.apptTypeSystem; }
    if (g.apptTypeText) r.appointmentTypeText = g.apptTypeText;
    if (g.serviceCode) { r.serviceCode = g.serviceCode; if (g.serviceSystem) r.serviceSystem = g.serviceSystem; }
    if (g.serviceText) r.serviceText = g.serviceText;
    if (g.reasonCode) { r.reasonCode = g.reasonCode; if (g.reasonSystem) r.reasonSystem = g.reasonSystem; }
    if (g.reasonText) r.reasonText = g.reasonText;
    r.status = g.status;
    if (g.status === 'cancelled' || (g.status === 'no-show' && g.cancellationReason.length % 2 === 0)) r.cancellationReason = g.cancellationReason;
    if (g.notes) r.notes = g.notes;
    return r as unknown as OfficeAppointment;
  });
}
