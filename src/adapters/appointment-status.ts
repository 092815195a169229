/**
 * The appointment status transition table (mappings/appointment-status.json), loaded and
 * schema-checked once: SIU trigger event -> Appointment.status, office status <-> FHIR status,
 * and the SIU event written for a FHIR status.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newAjv } from '../validation/ajv-lazy.js';
import type { Appointment } from 'fhir/r4.js';
import { MAPPINGS_DIR } from '../paths.js';

export type FhirAppointmentStatus = Appointment['status'];

export const FHIR_APPOINTMENT_STATUSES = [
  'proposed', 'pending', 'booked', 'arrived', 'fulfilled', 'cancelled', 'noshow', 'entered-in-error', 'checked-in', 'waitlist',
] as const satisfies readonly FhirAppointmentStatus[];

export const OFFICE_APPOINTMENT_STATUSES = [
  'booked', 'arrived', 'checked-out', 'cancelled', 'no-show', 'deleted', 'pending', 'waitlist',
] as const;
export type OfficeAppointmentStatus = (typeof OFFICE_APPOINTMENT_STATUSES)[number];

export interface EventRule {
  name: string;
  /** null: the event does not decide (SCH-25, then stored state, then the default). */
  status: FhirAppointmentStatus | null;
  /** The event updates an appointment that must already be known. */
  requiresExisting: boolean;
}

export interface StatusTable {
  id: string;
  description?: string;
  events: Record<string, EventRule>;
  default: FhirAppointmentStatus;
  office: Array<{ office: OfficeAppointmentStatus; fhir: FhirAppointmentStatus; note?: string }>;
  outbound: Partial<Record<FhirAppointmentStatus, string>>;
}

const STATUS = { enum: [...FHIR_APPOINTMENT_STATUSES] };
const SCHEMA = {
  type: 'object',
  required: ['id', 'events', 'default', 'office', 'outbound'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    description: { type: 'string' },
    events: {
      type: 'object',
      propertyNames: { pattern: '^S\\d{2}$' },
      additionalProperties: {
        type: 'object',
        required: ['name', 'status', 'requiresExisting'],
        additionalProperties: false,
        properties: { name: { type: 'string' }, status: { anyOf: [STATUS, { type: 'null' }] }, requiresExisting: { type: 'boolean' } },
      },
    },
    default: STATUS,
    office: {
      type: 'array',
      items: {
        type: 'object',
        required: ['office', 'fhir'],
        additionalProperties: false,
        properties: { office: { enum: [...OFFICE_APPOINTMENT_STATUSES] }, fhir: STATUS, note: { type: 'string' } },
      },
    },
    outbound: { type: 'object', propertyNames: STATUS, additionalProperties: { type: 'string', pattern: '^S\\d{2}$' } },
  },
} as const;

let cached: StatusTable | undefined;

/** Forget the loaded table: the next statusTable() reads the file again (replay, src/mapping/version.ts). */
export function clearStatusTableCache(): void {
  cached = undefined;
}

let check: ReturnType<ReturnType<typeof newAjv>['compile']> | undefined;

/** Problems of a parsed status table, each naming the file and the rule (`/events/S12/status`, `outbound booked`). */
export function statusTableProblems(file: string, t: unknown): string[] {
  check ??= newAjv({ allErrors: true }).compile(SCHEMA);
  if (!check(t)) return (check.errors ?? []).map((e) => `${file}: ${e.instancePath || '(file)'} ${e.message}`);
  const table = t as StatusTable;
  return Object.entries(table.outbound)
    .filter(([, event]) => !table.events[event])
    .map(([status, event]) => `${file}: outbound ${status} -> ${event}, which has no events entry`);
}

/** Load the table once; a malformed file is a startup error naming the file. */
export function statusTable(): StatusTable {
  if (cached) return cached;
  const t = JSON.parse(readFileSync(join(MAPPINGS_DIR, 'appointment-status.json'), 'utf8')) as StatusTable;
  const problems = statusTableProblems('mappings/appointment-status.json', t);
  if (problems.length) throw new Error(problems.join('; '));
  cached = t;
  return t;
}

export function eventRule(event: string): EventRule | undefined {
  return statusTable().events[event];
}

/** Office status -> FHIR status (first row wins). */
export function fhirStatusOfOffice(s: OfficeAppointmentStatus): FhirAppointmentStatus | undefined {
  return statusTable().office.find((r) => r.office === s)?.fhir;
}

/** FHIR status -> office status (first row wins). */
export function officeStatusOfFhir(s: FhirAppointmentStatus): OfficeAppointmentStatus | undefined {
  return statusTable().office.find((r) => r.fhir === s)?.office;
}

/** The SIU event written for a FHIR status. */
export function outboundEvent(s: FhirAppointmentStatus): string | undefined {
  return statusTable().outbound[s];
}
