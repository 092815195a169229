/**
 * Code tables: HL7 table <-> FHIR code system, kept as data in mappings/tables/*.json and
 * loaded once. Each file: { id: "0001", name, hl7System, fhirSystem, map: [{ hl7, fhir, display }],
 * reverse?: { <fhir code>: <hl7 code> } } (reverse picks the HL7 code when several map to one FHIR code).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { MAPPINGS_DIR } from '../paths.js';

export interface CodeTableEntry { hl7: string; fhir: string; display?: string }
export interface CodeTable {
  id: string;
  name: string;
  hl7System: string;
  fhirSystem: string;
  map: CodeTableEntry[];
  reverse?: Record<string, string>;
}

const TABLE_SCHEMA = {
  type: 'object',
  required: ['id', 'name', 'hl7System', 'fhirSystem', 'map'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1 },
    name: { type: 'string' },
    description: { type: 'string' },
    hl7System: { type: 'string' },
    fhirSystem: { type: 'string' },
    map: {
      type: 'array',
      items: {
        type: 'object', required: ['hl7', 'fhir'], additionalProperties: false,
        properties: { hl7: { type: 'string' }, fhir: { type: 'string' }, display: { type: 'string' } },
      },
    },
    reverse: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

interface Indexed { table: CodeTable; byHl7: Map<string, CodeTableEntry>; byFhir: Map<string, string> }

let cache: Map<string, Indexed> | undefined;

/** Forget the loaded code tables: the next lookup reads mappings/tables/ again (replay, src/mapping/version.ts). */
export function clearTableCache(): void {
  cache = undefined;
}

/** Load (once) and index every table; a malformed table file is a startup error naming the file. */
function tables(): Map<string, Indexed> {
  if (cache) return cache;
  const dir = join(MAPPINGS_DIR, 'tables');
  const check = new Ajv({ allErrors: true }).compile(TABLE_SCHEMA);
  const out = new Map<string, Indexed>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
    const t = JSON.parse(readFileSync(join(dir, f), 'utf8')) as CodeTable;
    if (!check(t)) throw new Error(`mappings/tables/${f}: ${check.errors?.map((e) => `${e.instancePath} ${e.message}`).join('; ')}`);
    const byHl7 = new Map(t.map.map((e) => [e.hl7.toUpperCase(), e] as const));
    const byFhir = new Map<string, string>();
    for (const e of t.map) if (!byFhir.has(e.fhir)) byFhir.set(e.fhir, e.hl7);
    for (const [k, v] of Object.entries(t.reverse ?? {})) byFhir.set(k, v);
    out.set(t.id, { table: t, byHl7, byFhir });
  }
  cache = out;
  return out;
}

export function codeTable(id: string): CodeTable | undefined {
  return tables().get(id)?.table;
}

/** HL7 code -> FHIR code (case-insensitive on the HL7 side); undefined when unknown. */
export function toFhirCode(tableId: string, hl7Code: string): CodeTableEntry | undefined {
  return tables().get(tableId)?.byHl7.get(hl7Code.toUpperCase());
}

/** FHIR code -> HL7 code; undefined when unknown. */
export function toHl7Code(tableId: string, fhirCode: string): string | undefined {
  return tables().get(tableId)?.byFhir.get(fhirCode);
}

export function tableIds(): string[] {
  return [...tables().keys()];
}
