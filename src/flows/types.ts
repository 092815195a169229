/**
 * Contracts between the verticals (registration, scheduling, labs, billing) and the edges
 * (CLI convert, MLLP listener, HTTP API). A vertical registers a Converter (CLI and HTTP
 * office endpoints) and InboundHl7Flows (MLLP and POST /hl7v2) in ./registry.ts.
 */
import type { Bundle, FhirResource, Resource } from 'fhir/r4.js';
import type { Issue, Result } from '../domain/issues.js';
import type { OfficeRecord } from '../domain/office-record.js';
import type { DetectedInput } from '../domain/input.js';
import type { Hl7Message } from '../hl7/message.js';
import type { DefaultBillingProvider } from '../billing/identity.js';

export type Target = 'fhir' | 'hl7v2' | 'office';

export type { OfficeRecord } from '../domain/office-record.js';

/** What a Converter produces, told apart by its target. */
export type Converted =
  | { to: 'fhir'; resource: FhirResource }
  | { to: 'hl7v2'; text: string }
  | { to: 'office'; records: OfficeRecord[] };

export const fhirOutput = (resource: FhirResource): Converted => ({ to: 'fhir', resource });
export const hl7v2Output = (text: string): Converted => ({ to: 'hl7v2', text });
export const officeOutput = (records: OfficeRecord[]): Converted => ({ to: 'office', records });

/** What a conversion produced for one target (undefined for another target, or no output). */
export const fhirOf = (c: Converted | undefined): FhirResource | undefined => (c?.to === 'fhir' ? c.resource : undefined);
export const hl7v2Of = (c: Converted | undefined): string | undefined => (c?.to === 'hl7v2' ? c.text : undefined);
export const officeOf = (c: Converted | undefined): OfficeRecord[] | undefined => (c?.to === 'office' ? c.records : undefined);

/** Read access to resources already stored (the gateway's store; empty in a one-off CLI run). */
export interface ResourceLookup {
  get(resourceType: string, id: string): Resource | undefined;
}

export interface FlowContext {
  /** IANA timezone of the practice, for HL7 times sent without a UTC offset. */
  timezone: string;
  /** Stored state, for conflict checks (e.g. an S14 for an unknown appointment). */
  lookup: ResourceLookup;
  /** Trigger event to emit when converting to HL7v2 (e.g. 'A08', 'S13'). */
  event?: string;
  /** The practice's configured billing provider, for claims that name none (configuration `billing`). */
  billingProvider?: DefaultBillingProvider;
}

export interface Converter {
  /** Short name, e.g. 'registration'. */
  name: string;
  /** Whether this converter handles the input (by HL7 message type, FHIR resourceType or office recordType). */
  accepts(input: DetectedInput): boolean;
  /** Convert to the target: FHIR JSON (a resource or Bundle), an HL7v2 message, or office records. */
  convert(input: DetectedInput, to: Target, ctx: FlowContext): Result<Converted>;
  /**
   * An office record as posted -> the record as the gateway keeps and sends it (defaults the
   * office need not know filled in), before its schema is checked. Absent: kept as posted.
   */
  completeOffice?(record: Record<string, unknown>): Result<Record<string, unknown>>;
}

/** What an inbound HL7v2 flow produces: a transaction Bundle (validated) plus office-side records. */
export interface FlowOutput {
  bundle: Bundle;
  /** Office records produced (registration, appointment, results-inbox item, billing encounter, merge instruction...). */
  office: OfficeRecord[];
}

/**
 * What an intake flow (./hl7v2, ./fhir-transaction, ./office) decided about one stored input:
 * - processed: taken; the output is persisted and queued
 * - error: read and checked, but errors keep it from being taken (nothing is persisted)
 * - rejected: not taken at all (unreadable, or not of a kind this channel or endpoint takes)
 * The edges render it (src/hl7/ack.ts: AA/AE/AR; src/http/answer.ts: the status from the error catalogue).
 */
export type FlowState = 'processed' | 'error' | 'rejected';

export interface IntakeRun {
  state: FlowState;
  issues: Issue[];
  output?: FlowOutput | undefined;
}

export interface InboundHl7Flow {
  /** e.g. 'adt-registration' */
  name: string;
  /** Message types handled, as 'ADT^A04'. 'ADT^*' matches every trigger event of ADT. */
  messageTypes: string[];
  run(message: Hl7Message, ctx: FlowContext): Result<FlowOutput>;
}

export const emptyLookup: ResourceLookup = { get: () => undefined };
