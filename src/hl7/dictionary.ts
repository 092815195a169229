/**
 * HL7v2 message profiles as data: profiles/hl7v2/v<version>.json (generated from the
 * `hl7v2-dictionary` package by scripts/build-hl7-profiles.ts), tables.json (HL7 tables we check)
 * and events.json (the trigger events the gateway accepts). Each version is read and compiled
 * once, on first use, into plain lookup structures the validator walks without allocation.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PROFILES_DIR } from '../paths.js';

const PROFILE_DIR = resolve(PROFILES_DIR, 'hl7v2');

/** A node of a message structure: a segment, or a group of nodes (children in order). */
export interface StructureNode {
  name: string;
  min: number;
  /** null = unbounded */
  max: number | null;
  children?: StructureNode[];
}

/** One field of a segment definition: [field, type, optionality, repetitions (0 = unbounded), length, table]. */
type RawField = [number, string, string, number, number, number];
/** One component of a composite type: [component, type, table]. */
type RawComponent = [number, string, number];

interface RawProfile {
  version: string;
  structures: Record<string, StructureNode>;
  segments: Record<string, RawField[]>;
  types: Record<string, RawComponent[]>;
}

interface EventsFile {
  versions: string[];
  supportedEvents: Record<string, string[]>;
  structureFallback: Record<string, string>;
  tables: string[];
}

export interface FieldDef {
  field: number;
  type: string;
  desc?: string;
  required: boolean;
  /** 0 = unbounded */
  maxRepetitions: number;
  maxLength: number;
  table: string | undefined;
}

export interface Hl7Profile {
  version: string;
  structures: Record<string, StructureNode>;
  segments: Record<string, FieldDef[]>;
  /** Composite types: components [component, type, table] */
  types: Record<string, RawComponent[]>;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(resolve(PROFILE_DIR, file), 'utf8')) as T;
}

let eventsCache: EventsFile | undefined;
function eventsFile(): EventsFile {
  return (eventsCache ??= readJson<EventsFile>('events.json'));
}

let tablesCache: Map<string, Set<string>> | undefined;
/** HL7 tables whose values are checked, keyed '0001'. A table not in here is not checked. */
export function hl7Tables(): Map<string, Set<string>> {
  if (!tablesCache) {
    const raw = readJson<{ tables: Record<string, string[]> }>('tables.json').tables;
    tablesCache = new Map(Object.entries(raw).map(([k, v]) => [k, new Set(v)]));
  }
  return tablesCache;
}

export function tableId(n: number): string {
  return String(n).padStart(4, '0');
}

/** Versions (MSH-12) the gateway accepts. */
export function supportedVersions(): readonly string[] {
  return eventsFile().versions;
}

/** The trigger events of a message code the gateway handles (profiles/hl7v2/events.json), e.g. ADT -> A01, A02 ... */
export function supportedEventsOf(code: string): string[] {
  return [...(eventsFile().supportedEvents[code] ?? [])];
}

export function isSupportedEvent(code: string, event: string): boolean {
  return eventsFile().supportedEvents[code]?.includes(event) ?? false;
}

const profiles = new Map<string, Hl7Profile>();

/** The profile of a supported version, compiled once. Undefined for an unsupported version. */
export function profileFor(version: string): Hl7Profile | undefined {
  const hit = profiles.get(version);
  if (hit) return hit;
  if (!eventsFile().versions.includes(version)) return undefined;
  const raw = readJson<RawProfile>(`v${version}.json`);
  const segments: Record<string, FieldDef[]> = {};
  for (const [name, fields] of Object.entries(raw.segments)) {
    segments[name] = fields.map(([field, type, opt, rep, len, table]) => ({
      field, type, required: opt === 'R', maxRepetitions: rep, maxLength: len, table: table ? tableId(table) : undefined,
    }));
  }
  const p: Hl7Profile = { version, structures: raw.structures, segments, types: raw.types };
  profiles.set(version, p);
  return p;
}

/**
 * The nearest supported version, so an unsupported one (2.2, 2.9) is still checked field by
 * field after HL7_VERSION is reported.
 */
export function nearestVersion(version: string): string {
  const vs = eventsFile().versions;
  if (vs.includes(version)) return version;
  const num = (v: string) => v.split('.').map(Number).reduce((acc, n, i) => acc + (Number.isFinite(n) ? n : 0) / 100 ** i, 0);
  const want = num(version);
  if (!Number.isFinite(want) || want === 0) return '2.5.1';
  return vs.reduce((best, v) => (Math.abs(num(v) - want) < Math.abs(num(best) - want) ? v : best), vs[0]!);
}

/**
 * The message structure for MSH-9: MSH-9.3 when the profile knows it, else CODE_EVENT, else the
 * standard event -> structure table (ADT^A04 -> ADT_A01, ADT^A40 -> ADT_A39, SIU^S14 -> SIU_S12).
 */
export function structureFor(p: Hl7Profile, code: string, event: string, declared: string): StructureNode | undefined {
  if (declared && p.structures[declared]) return p.structures[declared];
  const direct = p.structures[`${code}_${event}`];
  if (direct) return direct;
  const fb = eventsFile().structureFallback;
  const name = fb[`${code}^${event}`] ?? fb[`${code}^*`];
  return name ? p.structures[name] : undefined;
}
