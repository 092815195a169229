/** The store interface, resources: FHIR resources produced by the flows, upserted by type + deterministic id. */
import type { Resource } from 'fhir/r4.js';

export interface UpsertResult {
  versionId: number;
  /** 'created' (new id), 'updated' (content changed), 'unchanged' (same content again). */
  outcome: 'created' | 'updated' | 'unchanged';
  lastUpdated: string;
}

export interface StoredResource {
  resource: Resource;
  versionId: number;
  lastUpdated: string;
  messageId: number | null;
}

export interface ResourceStore {
  upsert(resource: Resource, messageId: number | null, now?: Date): Promise<UpsertResult>;
  get(type: string, id: string): Promise<StoredResource | undefined>;
  /** Every stored resource other than a Patient that holds this exact `reference` (`Patient/abc`): what a merge re-points. */
  referencing(reference: string): Promise<StoredResource[]>;
  /** Ids of resources of a type carrying identifier system|value (any system when absent). */
  findByIdentifier(type: string, system: string | undefined, value: string): Promise<string[]>;
  /** Ids of resources of a type whose top-level primitive element equals value (e.g. Coverage.subscriberId). */
  findByElement(type: string, element: string, value: string): Promise<string[]>;
  /** Every resource of a type, by id. */
  listOfType<T extends Resource = Resource>(type: string): Promise<T[]>;
  /** Every id of a type, sorted. */
  idsOfType(type: string): Promise<string[]>;
  count(type?: string): Promise<number>;
}

